import type { ReactNode } from 'react';

import type { BffFailure } from '../lib/bff';

import type { SectionState } from './use-fhir';

/** A summary card that explains its empty, refused and failed states in words. */
export function Section<R>({
  id,
  title,
  state,
  scopeHint,
  emptyText,
  children,
}: {
  id: string;
  title: string;
  state: SectionState<R>;
  scopeHint: string;
  emptyText: string;
  children: (resources: R[]) => ReactNode;
}) {
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-section={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      {renderBody(state, scopeHint, emptyText, children)}
    </section>
  );
}

function renderBody<R>(
  state: SectionState<R>,
  scopeHint: string,
  emptyText: string,
  children: (resources: R[]) => ReactNode,
): ReactNode {
  switch (state.kind) {
    case 'loading':
      return (
        <p className="muted" role="status">
          Loading…
        </p>
      );
    case 'not-granted':
      return (
        <p className="muted" data-state="not-granted">
          Not shared by the EHR: this launch was not granted access ({scopeHint}).
        </p>
      );
    case 'error':
      return <p className="error-text">{failureText(state.failure, scopeHint)}</p>;
    case 'ready':
      return state.resources.length === 0 ? (
        <p className="muted" data-state="empty">
          {emptyText}
        </p>
      ) : (
        children(state.resources)
      );
  }
}

function failureText(failure: BffFailure, scopeHint: string): string {
  if (failure.code === 'reauthorization_required')
    return 'Sign in again to see this (see the notice above).';
  if (failure.status === 403) return `The EHR refused access (${scopeHint}): ${failure.message}`;
  return `Could not load: ${failure.message}`;
}
