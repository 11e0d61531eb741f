import { CodeSystem, VitalSign, type Observation } from '@bedside/fhir-model';

import type { VitalDraft } from './drafts';

export type VitalValidation =
  | { ok: true; observation: Observation }
  | { ok: false; errors: Record<string, string> };

interface Bounds {
  label: string;
  min: number;
  max: number;
}

function readNumber(
  values: Record<string, string>,
  field: string,
  bounds: Bounds,
  errors: Record<string, string>,
): number {
  const raw = (values[field] ?? '').trim();
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value)) {
    errors[field] = `Enter ${bounds.label} as a number.`;
  } else if (value < bounds.min || value > bounds.max) {
    errors[field] =
      `${bounds.label[0]?.toUpperCase()}${bounds.label.slice(1)} must be between ${bounds.min} and ${bounds.max}.`;
  }
  return value;
}

function quantity(value: number, unit: string, code: string) {
  return { value, unit, system: CodeSystem.ucum, code };
}

function loinc(code: string, display: string) {
  return { coding: [{ system: CodeSystem.loinc, code, display }], text: display };
}

/**
 * A US Core vital-signs Observation from the form, or the problems with it. Plausibility limits
 * catch typos (a heart rate of 720) before anything reaches the EHR.
 * See: US Core 6.1 Vital Signs profiles (heart rate, blood pressure panel, body weight).
 */
export function buildVitalObservation(
  draft: VitalDraft,
  context: { patientId: string; encounterId?: string | null; performer?: string | null; now: Date },
): VitalValidation {
  const errors: Record<string, string> = {};
  const base: Observation = {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          { system: CodeSystem.observationCategory, code: 'vital-signs', display: 'Vital Signs' },
        ],
      },
    ],
    code: { coding: [] },
    subject: { reference: `Patient/${context.patientId}` },
    ...(context.encounterId
      ? { encounter: { reference: `Encounter/${context.encounterId}` } }
      : {}),
    ...(context.performer ? { performer: [{ reference: context.performer }] } : {}),
    effectiveDateTime: context.now.toISOString(),
    ...(draft.note.trim() ? { note: [{ text: draft.note.trim() }] } : {}),
  };
  let observation: Observation;
  switch (draft.kind) {
    case 'heart-rate': {
      const value = readNumber(
        draft.values,
        'heartRate',
        { label: 'heart rate', min: 20, max: 300 },
        errors,
      );
      observation = {
        ...base,
        code: loinc(VitalSign.heartRate, 'Heart rate'),
        valueQuantity: quantity(value, '/min', '/min'),
      };
      break;
    }
    case 'body-weight': {
      const value = readNumber(
        draft.values,
        'weight',
        { label: 'weight', min: 0.5, max: 500 },
        errors,
      );
      observation = {
        ...base,
        code: loinc(VitalSign.bodyWeight, 'Body weight'),
        valueQuantity: quantity(value, 'kg', 'kg'),
      };
      break;
    }
    case 'blood-pressure': {
      const systolic = readNumber(
        draft.values,
        'systolic',
        { label: 'systolic pressure', min: 50, max: 300 },
        errors,
      );
      const diastolic = readNumber(
        draft.values,
        'diastolic',
        { label: 'diastolic pressure', min: 20, max: 200 },
        errors,
      );
      if (!errors['systolic'] && !errors['diastolic'] && diastolic >= systolic) {
        errors['diastolic'] = 'Diastolic pressure must be lower than systolic.';
      }
      observation = {
        ...base,
        code: loinc(VitalSign.bloodPressurePanel, 'Blood pressure panel'),
        component: [
          {
            code: loinc(VitalSign.systolic, 'Systolic blood pressure'),
            valueQuantity: quantity(systolic, 'mm[Hg]', 'mm[Hg]'),
          },
          {
            code: loinc(VitalSign.diastolic, 'Diastolic blood pressure'),
            valueQuantity: quantity(diastolic, 'mm[Hg]', 'mm[Hg]'),
          },
        ],
      };
      break;
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, observation };
}
