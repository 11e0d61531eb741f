'use client';

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';

import { needsReauthorization, type BffClient } from '../lib/bff';
import {
  clearDraft,
  draftKey,
  loadDraft,
  newIdempotencyKey,
  saveDraft,
  type VitalDraft,
} from '../lib/drafts';
import { buildVitalObservation } from '../lib/vitals';

type Status =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; message: string }
  | { kind: 'failed'; message: string }
  | { kind: 'needs-signin' };

const emptyDraft: VitalDraft = { kind: 'heart-rate', values: {}, note: '' };

const fields: Record<VitalDraft['kind'], { name: string; label: string; unit: string }[]> = {
  'heart-rate': [{ name: 'heartRate', label: 'Heart rate', unit: '/min' }],
  'blood-pressure': [
    { name: 'systolic', label: 'Systolic', unit: 'mmHg' },
    { name: 'diastolic', label: 'Diastolic', unit: 'mmHg' },
  ],
  'body-weight': [{ name: 'weight', label: 'Weight', unit: 'kg' }],
};

/**
 * The write path: record a vital sign as an Observation. Every keystroke is kept as a draft in
 * this browser; Save fixes an Idempotency-Key into the draft first, so a save interrupted by a
 * forced sign-in is re-sent with the same key afterwards and the record is created exactly once.
 */
export function RecordVital({
  client,
  issuer,
  patientId,
  encounterId,
  performer,
  onSaved,
  onReauthorize,
}: {
  client: BffClient;
  issuer: string;
  patientId: string;
  encounterId: string | null;
  performer: string | null;
  onSaved: () => void;
  onReauthorize: () => void;
}) {
  const formId = useId();
  const storageKey = draftKey(issuer, patientId);
  const [draft, setDraft] = useState<VitalDraft>(emptyDraft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [restored, setRestored] = useState(false);

  const update = (next: VitalDraft) => {
    setDraft(next);
    saveDraft(localStorage, storageKey, next);
  };

  const submit = async (current: VitalDraft) => {
    const built = buildVitalObservation(current, {
      patientId,
      encounterId,
      performer,
      now: new Date(current.savedAt ?? Date.now()),
    });
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    // The key and time are fixed before sending: a retry sends the very same request.
    const pending: VitalDraft = {
      ...current,
      idempotencyKey: current.idempotencyKey ?? newIdempotencyKey(),
      savedAt: current.savedAt ?? new Date().toISOString(),
    };
    update(pending);
    setStatus({ kind: 'saving' });
    const rebuilt = buildVitalObservation(pending, {
      patientId,
      encounterId,
      performer,
      now: new Date(pending.savedAt ?? Date.now()),
    });
    if (!rebuilt.ok) return;
    const result = await client.create(rebuilt.observation, pending.idempotencyKey ?? '');
    if (result.ok) {
      clearDraft(localStorage, storageKey);
      setDraft(emptyDraft);
      setStatus({
        kind: 'saved',
        message: `Saved to the EHR${result.headers.get('idempotent-replayed') ? ' (already recorded)' : ''}.`,
      });
      onSaved();
      return;
    }
    if (needsReauthorization(result)) {
      setStatus({ kind: 'needs-signin' });
      onReauthorize();
      return;
    }
    setStatus({ kind: 'failed', message: result.message });
  };

  // After a sign-in round trip: restore the draft, and finish a save that was interrupted.
  // Runs once per patient; the ref always holds this render's `submit`.
  const submitRef = useRef(submit);
  submitRef.current = submit;
  useEffect(() => {
    const saved = loadDraft(localStorage, storageKey);
    setRestored(true);
    if (!saved) return;
    setDraft(saved);
    if (saved.idempotencyKey) void submitRef.current(saved);
  }, [storageKey]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(draft);
  };

  return (
    <section className="card" aria-labelledby={`${formId}-title`} data-section="record-vital">
      <h2 id={`${formId}-title`}>Record a vital sign</h2>
      <form onSubmit={onSubmit} noValidate>
        <div className="form-row">
          <label htmlFor={`${formId}-kind`}>Measurement</label>
          <select
            id={`${formId}-kind`}
            value={draft.kind}
            disabled={status.kind === 'saving' || Boolean(draft.idempotencyKey)}
            onChange={(event) =>
              update({
                kind: event.target.value as VitalDraft['kind'],
                values: {},
                note: draft.note,
              })
            }
          >
            <option value="heart-rate">Heart rate</option>
            <option value="blood-pressure">Blood pressure</option>
            <option value="body-weight">Body weight</option>
          </select>
        </div>
        {fields[draft.kind].map((field) => (
          <div className="form-row" key={field.name}>
            <label htmlFor={`${formId}-${field.name}`}>
              {field.label} ({field.unit})
            </label>
            <input
              id={`${formId}-${field.name}`}
              name={field.name}
              inputMode="decimal"
              value={draft.values[field.name] ?? ''}
              aria-invalid={Boolean(errors[field.name])}
              aria-describedby={errors[field.name] ? `${formId}-${field.name}-error` : undefined}
              readOnly={Boolean(draft.idempotencyKey)}
              onChange={(event) =>
                update({ ...draft, values: { ...draft.values, [field.name]: event.target.value } })
              }
            />
            {errors[field.name] ? (
              <span className="error-text" id={`${formId}-${field.name}-error`}>
                {errors[field.name]}
              </span>
            ) : null}
          </div>
        ))}
        <div className="form-row">
          <label htmlFor={`${formId}-note`}>Note (optional)</label>
          <input
            id={`${formId}-note`}
            value={draft.note}
            readOnly={Boolean(draft.idempotencyKey)}
            onChange={(event) => update({ ...draft, note: event.target.value })}
          />
        </div>
        <button type="submit" disabled={status.kind === 'saving' || !restored}>
          {status.kind === 'saving' ? 'Saving…' : 'Save to EHR'}
        </button>
        <p
          role="status"
          className={status.kind === 'failed' ? 'error-text' : 'muted'}
          data-status={status.kind}
        >
          {status.kind === 'saved' ? status.message : null}
          {status.kind === 'failed' ? `Not saved: ${status.message}` : null}
          {status.kind === 'needs-signin'
            ? 'Not saved yet: sign in again; your entry is kept and will be saved once.'
            : null}
        </p>
      </form>
    </section>
  );
}
