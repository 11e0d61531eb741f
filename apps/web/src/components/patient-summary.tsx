'use client';

import { useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';

import { displayName, type Patient } from '@bedside/fhir-model';

import { fetchPatient, fetchSessionContext, type SessionContext } from './bff-client';

type ViewState =
  | { kind: 'loading' }
  | { kind: 'no-session'; reason: string }
  | { kind: 'error'; message: string }
  | { kind: 'no-patient'; context: SessionContext }
  | { kind: 'ready'; context: SessionContext; patient: Patient };

const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });

function formatBirthDate(birthDate: string | undefined): string {
  if (!birthDate) return 'Not recorded';
  // FHIR dates may be partial (YYYY or YYYY-MM); show those as given.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) return birthDate;
  return `${dateFormat.format(new Date(`${birthDate}T00:00:00Z`))} (${birthDate})`;
}

/** The launch patient's name and birth date, read over FHIR through the BFF. */
export function PatientSummary() {
  const params = useSearchParams();
  const handle = params.get('session');
  const [state, setState] = useState<ViewState>({ kind: 'loading' });

  useEffect(() => {
    if (!handle) {
      setState({ kind: 'no-session', reason: 'This page was opened without a launch.' });
      return;
    }
    let cancelled = false;
    void (async () => {
      const context = await fetchSessionContext(handle);
      if (cancelled) return;
      if (!context.ok) {
        setState(
          context.code === 'reauthorization_required'
            ? { kind: 'no-session', reason: context.message }
            : { kind: 'error', message: context.message },
        );
        return;
      }
      if (!context.value.patient) {
        setState({ kind: 'no-patient', context: context.value });
        return;
      }
      const patient = await fetchPatient(handle, context.value.patient);
      if (cancelled) return;
      setState(
        patient.ok
          ? { kind: 'ready', context: context.value, patient: patient.value }
          : { kind: 'error', message: `The patient could not be read: ${patient.message}` },
      );
    })();
    return () => {
      cancelled = true;
    };
  }, [handle]);

  switch (state.kind) {
    case 'loading':
      return (
        <p className="muted" role="status">
          Loading the patient…
        </p>
      );
    case 'no-session':
      return (
        <section className="card notice" role="alert" aria-labelledby="no-session-title">
          <h1 id="no-session-title">No active session</h1>
          <p>{state.reason}</p>
          <p className="muted">
            Open Bedside from your EHR (for example the sandbox launcher): it starts a secure SMART
            launch and opens on the current patient.
          </p>
        </section>
      );
    case 'error':
      return (
        <section className="card notice error" role="alert">
          <h1>Something went wrong</h1>
          <p>{state.message}</p>
        </section>
      );
    case 'no-patient':
      return (
        <section className="card notice" role="status">
          <h1>No patient in context</h1>
          <p>{state.context.ehr.name} launched the app without a patient.</p>
        </section>
      );
    case 'ready':
      return (
        <section className="card" aria-labelledby="patient-name">
          <h1 id="patient-name">{displayName(state.patient.name) || 'Unnamed patient'}</h1>
          <dl className="facts">
            <dt>Birth date</dt>
            <dd data-field="birth-date">{formatBirthDate(state.patient.birthDate)}</dd>
            <dt>Gender</dt>
            <dd>{state.patient.gender ?? 'Not recorded'}</dd>
            <dt>EHR</dt>
            <dd>{state.context.ehr.name}</dd>
          </dl>
        </section>
      );
  }
}
