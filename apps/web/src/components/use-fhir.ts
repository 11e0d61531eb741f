'use client';

import { useEffect, useState } from 'react';

import { bundleResources, type Resource } from '@bedside/fhir-model';

import { needsReauthorization, type BffClient, type BffFailure } from '../lib/bff';

export type SectionState<R> =
  | { kind: 'loading' }
  | { kind: 'not-granted' }
  | { kind: 'error'; failure: BffFailure }
  | { kind: 'ready'; resources: R[] };

/**
 * Runs one FHIR search through the BFF. `granted` false skips the call: the EHR did not share
 * this type, and the section says so. A session that must re-authorise is reported upwards.
 */
export function useFhirSearch<R extends Resource>(
  client: BffClient,
  type: R['resourceType'],
  params: Record<string, string>,
  options: { granted: boolean; onReauthorize: () => void; refreshKey?: number },
): SectionState<R> {
  const [state, setState] = useState<SectionState<R>>({ kind: 'loading' });
  const paramsKey = JSON.stringify(params);
  const { granted, onReauthorize, refreshKey } = options;
  useEffect(() => {
    if (!granted) {
      setState({ kind: 'not-granted' });
      return;
    }
    let cancelled = false;
    void client.search(type, JSON.parse(paramsKey) as Record<string, string>).then((result) => {
      if (cancelled) return;
      if (result.ok) {
        setState({ kind: 'ready', resources: bundleResources<R>(result.value, type) });
        return;
      }
      if (needsReauthorization(result)) onReauthorize();
      setState({ kind: 'error', failure: result });
    });
    return () => {
      cancelled = true;
    };
  }, [client, type, paramsKey, granted, onReauthorize, refreshKey]);
  return state;
}
