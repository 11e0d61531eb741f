'use client';

import { useCallback, useEffect, useMemo, useState } from 'react';

import {
  displayName,
  type Condition,
  type Encounter,
  type Observation,
  type Patient,
  type Resource,
} from '@bedside/fhir-model';

import { GrantedAccess } from '../lib/access';
import { BffClient, needsReauthorization, reauthorizeUrl, type SessionContext } from '../lib/bff';
import { clinicalName, formatDate, recentLabs, vitalCharts } from '../lib/summary';
import { LineChart } from './line-chart';
import { RiskPanel } from './risk-panel';
import { PatientBanner } from './patient-banner';
import { RecordVital } from './record-vital';
import { Section } from './section';
import { useFhirSearch } from './use-fhir';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'no-session'; reason: string }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; context: SessionContext; patient: Patient | undefined };

const birthDateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });

function formatBirthDate(birthDate: string | undefined): string {
  if (!birthDate) return 'Not recorded';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) return birthDate;
  return `${birthDateFormat.format(new Date(`${birthDate}T00:00:00Z`))} (${birthDate})`;
}

/** The clinician's view of the launch patient: summary, charts, lists and the write path. */
export function Workspace({ handle }: { handle: string }) {
  const client = useMemo(() => new BffClient(handle), [handle]);
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [reauthorize, setReauthorize] = useState(false);
  const [refreshKey, setRefreshKey] = useState(0);
  const onReauthorize = useCallback(() => setReauthorize(true), []);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const context = await client.session();
      if (cancelled) return;
      if (!context.ok) {
        setLoaded(
          needsReauthorization(context)
            ? { kind: 'no-session', reason: context.message }
            : { kind: 'error', message: context.message },
        );
        return;
      }
      const patientId = context.value.patient;
      if (!patientId) {
        setLoaded({ kind: 'ready', context: context.value, patient: undefined });
        return;
      }
      const patient = await client.read<Patient>('Patient', patientId);
      if (cancelled) return;
      if (!patient.ok) {
        if (needsReauthorization(patient)) setReauthorize(true);
        setLoaded({ kind: 'error', message: `The patient could not be read: ${patient.message}` });
        return;
      }
      setLoaded({ kind: 'ready', context: context.value, patient: patient.value });
    })();
    return () => {
      cancelled = true;
    };
  }, [client]);

  if (loaded.kind === 'loading') {
    return (
      <p className="muted" role="status">
        Loading the patient…
      </p>
    );
  }
  if (loaded.kind === 'no-session') {
    return (
      <section className="card notice" role="alert" aria-labelledby="no-session-title">
        <h1 id="no-session-title">No active session</h1>
        <p>{loaded.reason}</p>
        <p className="muted">Open Bedside from your EHR, or sign in below.</p>
        <p>
          <a href="/">Choose an EHR to sign in to</a>
        </p>
      </section>
    );
  }
  if (loaded.kind === 'error') {
    return (
      <>
        {reauthorize ? <ReauthorizeNotice handle={handle} /> : null}
        <section className="card notice error" role="alert">
          <h1>Something went wrong</h1>
          <p>{loaded.message}</p>
        </section>
      </>
    );
  }
  const { context, patient } = loaded;
  if (!patient || !context.patient) {
    return (
      <section className="card notice" role="status">
        <h1>No patient in context</h1>
        <p>{context.ehr.name} launched the app without a patient.</p>
      </section>
    );
  }
  return (
    <>
      {context.needPatientBanner ? (
        <PatientBanner patient={patient} ehrName={context.ehr.name} />
      ) : null}
      {reauthorize ? <ReauthorizeNotice handle={handle} /> : null}
      <section className="card" aria-labelledby="patient-name">
        <div className="card-header">
          <h1 id="patient-name">{displayName(patient.name) || 'Unnamed patient'}</h1>
          <button
            type="button"
            className="secondary"
            onClick={() => setRefreshKey((key) => key + 1)}
          >
            Refresh
          </button>
        </div>
        <dl className="facts">
          <dt>Birth date</dt>
          <dd data-field="birth-date">{formatBirthDate(patient.birthDate)}</dd>
          <dt>Gender</dt>
          <dd>{patient.gender ?? 'Not recorded'}</dd>
          <dt>EHR</dt>
          <dd>{context.ehr.name}</dd>
        </dl>
      </section>
      <Summary
        client={client}
        context={context}
        patient={patient}
        patientId={context.patient}
        onReauthorize={onReauthorize}
        refreshKey={refreshKey}
      />
      <RecordVital
        client={client}
        issuer={context.ehr.issuer}
        patientId={context.patient}
        encounterId={context.encounter}
        performer={context.fhirUser}
        onSaved={() => setRefreshKey((key) => key + 1)}
        onReauthorize={onReauthorize}
      />
    </>
  );
}

function ReauthorizeNotice({ handle }: { handle: string }) {
  return (
    <section
      className="card notice error"
      role="alert"
      aria-labelledby="reauth-title"
      data-notice="reauthorize"
    >
      <h2 id="reauth-title">Your EHR session has ended</h2>
      <p>
        Sign in again to continue. Anything you typed is kept and will be saved once you are back.
      </p>
      <p>
        <a className="button" href={reauthorizeUrl(handle, window.location)}>
          Sign in again
        </a>
      </p>
    </section>
  );
}

function Summary({
  client,
  context,
  patient,
  patientId,
  onReauthorize,
  refreshKey,
}: {
  client: BffClient;
  context: SessionContext;
  patient: Patient;
  patientId: string;
  onReauthorize: () => void;
  refreshKey: number;
}) {
  const access = useMemo(() => new GrantedAccess(context.scope), [context.scope]);
  const observations = access.canSearch('Observation');
  const vitals = useFhirSearch<Observation>(
    client,
    'Observation',
    { patient: patientId, category: 'vital-signs', _sort: '-date', _count: '200' },
    { granted: observations, onReauthorize, refreshKey },
  );
  const labs = useFhirSearch<Observation>(
    client,
    'Observation',
    { patient: patientId, category: 'laboratory', _sort: '-date', _count: '200' },
    { granted: observations, onReauthorize, refreshKey },
  );
  const socialHistory = useFhirSearch<Observation>(
    client,
    'Observation',
    { patient: patientId, category: 'social-history', _sort: '-date', _count: '50' },
    { granted: observations, onReauthorize, refreshKey },
  );
  const conditions = useFhirSearch<Condition>(
    client,
    'Condition',
    { patient: patientId, 'clinical-status': 'active' },
    { granted: access.canSearch('Condition'), onReauthorize, refreshKey },
  );
  const medications = useFhirSearch<Resource>(
    client,
    'MedicationRequest',
    { patient: patientId, status: 'active' },
    { granted: access.canSearch('MedicationRequest'), onReauthorize, refreshKey },
  );
  const allergies = useFhirSearch<Resource>(
    client,
    'AllergyIntolerance',
    { patient: patientId },
    { granted: access.canSearch('AllergyIntolerance'), onReauthorize, refreshKey },
  );
  const encounters = useFhirSearch<Encounter>(
    client,
    'Encounter',
    { patient: patientId, _sort: '-date', _count: '5' },
    { granted: access.canSearch('Encounter'), onReauthorize, refreshKey },
  );

  return (
    <div className="summary-grid">
      <Section
        id="vitals"
        title="Vital signs"
        state={vitals}
        scopeHint="patient/Observation.rs"
        emptyText="No vital signs recorded."
      >
        {(resources) => {
          const charts = vitalCharts(resources);
          return (
            <div className="charts">
              <LineChart title="Blood pressure" series={charts.bloodPressure} />
              <LineChart title="Heart rate" series={charts.heartRate} />
              <LineChart title="Weight" series={charts.weight} />
              <LineChart title="BMI" series={charts.bmi} />
            </div>
          );
        }}
      </Section>
      <Section
        id="labs"
        title="Recent labs"
        state={labs}
        scopeHint="patient/Observation.rs"
        emptyText="No laboratory results recorded."
      >
        {(resources) => (
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Test</th>
                <th scope="col">Result</th>
                <th scope="col">Reference range</th>
                <th scope="col">Previous</th>
                <th scope="col">Date</th>
              </tr>
            </thead>
            <tbody>
              {recentLabs(resources).map((row) => (
                <tr key={row.code} data-flag={row.flag ?? 'none'}>
                  <th scope="row">{row.name}</th>
                  <td>
                    {row.value} {row.unit}{' '}
                    {row.flag && row.flag !== 'normal' ? (
                      <span className={`flag flag-${row.flag}`}>{row.flag.replace('-', ' ')}</span>
                    ) : null}
                  </td>
                  <td>{row.range || '—'}</td>
                  <td>{row.previous ?? '—'}</td>
                  <td>{formatDate(row.time)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <RiskPanel
        patient={patient}
        sources={{ observations: [vitals, labs, socialHistory], conditions, medications }}
      />
      <Section
        id="problems"
        title="Problems"
        state={conditions}
        scopeHint="patient/Condition.rs"
        emptyText="No active problems recorded."
      >
        {(resources) => (
          <ul className="plain">
            {resources.map((condition) => (
              <li key={condition.id}>
                {clinicalName(condition)}{' '}
                <span className="muted">
                  since{' '}
                  {formatDate(
                    (condition['onsetDateTime'] as string | undefined) ??
                      (condition['recordedDate'] as string | undefined),
                  )}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section
        id="medications"
        title="Active medications"
        state={medications}
        scopeHint="patient/MedicationRequest.rs"
        emptyText="No active medications recorded."
      >
        {(resources) => (
          <ul className="plain">
            {resources.map((request) => (
              <li key={request.id}>
                {clinicalName(request)}{' '}
                <span className="muted">
                  {(request['dosageInstruction'] as { text?: string }[] | undefined)?.[0]?.text ??
                    ''}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section
        id="allergies"
        title="Allergies"
        state={allergies}
        scopeHint="patient/AllergyIntolerance.rs"
        emptyText="No known allergies recorded."
      >
        {(resources) => (
          <ul className="plain">
            {resources.map((allergy) => (
              <li key={allergy.id}>
                {clinicalName(allergy)}{' '}
                <span className="muted">
                  {(allergy['criticality'] as string | undefined) ?? ''}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section
        id="encounters"
        title="Recent encounters"
        state={encounters}
        scopeHint="patient/Encounter.rs"
        emptyText="No encounters recorded."
      >
        {(resources) => (
          <ul className="plain">
            {resources.map((encounter) => (
              <li key={encounter.id}>
                {formatDate(encounter.period?.start)} ·{' '}
                {encounter.type?.[0]?.text ??
                  encounter.type?.[0]?.coding?.[0]?.display ??
                  encounter.class?.display ??
                  'Encounter'}{' '}
                <span className="muted">{encounter.status}</span>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
