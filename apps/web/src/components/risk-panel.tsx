'use client';

import type {
  Condition,
  MedicationRequest,
  Observation,
  Patient,
  Resource,
} from '@bedside/fhir-model';

import { buildAscvdPanel, STATIN_THRESHOLD_PERCENT, type RiskInputRow } from '../lib/risk';
import { formatDate } from '../lib/summary';
import type { SectionState } from './use-fhir';

const categoryText = {
  low: 'Low risk (under 5%)',
  borderline: 'Borderline risk (5% to 7.4%)',
  intermediate: 'Intermediate risk (7.5% to 19.9%)',
  high: 'High risk (20% or more)',
} as const;

/**
 * 10-year ASCVD risk from the record the summary already read. Waits for every source, names what
 * could not be read (not granted, failed), and shows each input with its date.
 */
export function RiskPanel({
  patient,
  sources,
}: {
  patient: Patient;
  sources: {
    observations: SectionState<Observation>[];
    conditions: SectionState<Condition>;
    medications: SectionState<Resource>;
  };
}) {
  const all: [string, SectionState<unknown>][] = [
    ...sources.observations.map((state): [string, SectionState<unknown>] => [
      'observations (patient/Observation.rs)',
      state,
    ]),
    ['conditions (patient/Condition.rs)', sources.conditions],
    ['medications (patient/MedicationRequest.rs)', sources.medications],
  ];
  const notShared = [
    ...new Set(all.filter(([, state]) => state.kind === 'not-granted').map(([what]) => what)),
  ];
  const failed = [
    ...new Set(all.filter(([, state]) => state.kind === 'error').map(([what]) => what)),
  ];
  let body;
  if (all.some(([, state]) => state.kind === 'loading')) {
    body = (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  } else if (notShared.length > 0 || failed.length > 0) {
    body = (
      <p className="muted" data-state="unavailable">
        The risk cannot be calculated:{' '}
        {[
          notShared.length > 0 ? `the EHR did not share ${notShared.join(', ')}` : '',
          failed.length > 0 ? `${failed.join(', ')} could not be read` : '',
        ]
          .filter(Boolean)
          .join('; ')}
        .
      </p>
    );
  } else {
    const ready = <R,>(state: SectionState<R>): R[] =>
      state.kind === 'ready' ? state.resources : [];
    const panel = buildAscvdPanel(
      {
        patient,
        observations: sources.observations.flatMap((state) => ready(state)),
        conditions: ready(sources.conditions),
        // The summary searched MedicationRequest only, so every entry is one.
        medications: ready(sources.medications).filter(
          (resource): resource is MedicationRequest =>
            resource.resourceType === 'MedicationRequest',
        ),
      },
      new Date().toISOString().slice(0, 10),
    );
    body = (
      <>
        {panel.kind === 'result' ? (
          <p className="risk-result" data-risk-category={panel.result.category}>
            <strong data-field="ascvd-percent">{panel.result.percent.toFixed(1)}%</strong>{' '}
            {categoryText[panel.result.category]}
            {panel.result.percent >= STATIN_THRESHOLD_PERCENT ? (
              <span className="muted">
                {' '}
                · {panel.onStatin ? 'on a statin' : 'no active statin: consider statin therapy'}
              </span>
            ) : null}
          </p>
        ) : panel.kind === 'missing' ? (
          <p className="muted" data-state="missing-inputs">
            Not enough data: missing {panel.missing.join(', ')}.
          </p>
        ) : (
          <p className="muted" data-state="out-of-range">
            Outside the equations&apos; validated range: {panel.reasons.join('; ')}.
          </p>
        )}
        <InputTable rows={panel.inputs} />
      </>
    );
  }
  return (
    <section className="card" aria-labelledby="risk-title" data-section="risk">
      <h2 id="risk-title">10-year ASCVD risk</h2>
      {body}
      <p className="muted small">2013 ACC/AHA Pooled Cohort Equations, ages 40–79.</p>
    </section>
  );
}

function InputTable({ rows }: { rows: RiskInputRow[] }) {
  return (
    <table className="data">
      <caption className="visually-hidden">Inputs to the risk equations</caption>
      <tbody>
        {rows.map((row) => (
          <tr key={row.field} data-input={row.field}>
            <th scope="row">{row.label}</th>
            <td>{row.value ?? <span className="flag flag-missing">missing</span>}</td>
            <td className="muted">{row.date ? formatDate(row.date) : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
