'use client';

import { useEffect, useState } from 'react';

import { fetchEhrChoices, type EhrChoice } from '../lib/bff';

/** Standalone launch: pick a registered EHR, sign in there, pick a patient there. */
export function EhrChooser() {
  const [ehrs, setEhrs] = useState<EhrChoice[] | undefined>(undefined);
  useEffect(() => {
    void fetchEhrChoices().then(setEhrs);
  }, []);
  return (
    <section className="card" aria-labelledby="chooser-title">
      <h1 id="chooser-title">Sign in to Bedside</h1>
      <p className="muted">
        Inside an EHR, Bedside opens on the current patient by itself. Outside one, choose your EHR:
        you sign in there and pick a patient.
      </p>
      {ehrs === undefined ? (
        <p role="status" className="muted">
          Loading EHRs…
        </p>
      ) : ehrs.length === 0 ? (
        <p>No EHR is registered yet. An administrator registers Bedside with an EHR first.</p>
      ) : (
        <ul className="plain">
          {ehrs.map((ehr) => (
            <li key={ehr.issuer}>
              <a
                className="button"
                href={`/login?${new URLSearchParams({ iss: ehr.issuer }).toString()}`}
              >
                Sign in with {ehr.name}
              </a>{' '}
              <span className="muted">{ehr.issuer}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
