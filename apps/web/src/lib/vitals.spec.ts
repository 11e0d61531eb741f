import { describe, expect, it } from 'vitest';

import { buildVitalObservation } from './vitals';

const context = {
  patientId: 'p1',
  encounterId: 'e1',
  performer: 'Practitioner/d1',
  now: new Date('2026-11-28T10:00:00Z'),
};

describe('US Core 6.1 vital signs — recording a vital', () => {
  it('builds a heart-rate Observation with LOINC, UCUM, category, subject and encounter', () => {
    const result = buildVitalObservation(
      { kind: 'heart-rate', values: { heartRate: '72' }, note: ' resting ' },
      context,
    );
    expect(result).toEqual({
      ok: true,
      observation: {
        resourceType: 'Observation',
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'vital-signs',
                display: 'Vital Signs',
              },
            ],
          },
        ],
        code: {
          coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }],
          text: 'Heart rate',
        },
        subject: { reference: 'Patient/p1' },
        encounter: { reference: 'Encounter/e1' },
        performer: [{ reference: 'Practitioner/d1' }],
        effectiveDateTime: '2026-11-28T10:00:00.000Z',
        note: [{ text: 'resting' }],
        valueQuantity: {
          value: 72,
          unit: '/min',
          system: 'http://unitsofmeasure.org',
          code: '/min',
        },
      },
    });
  });

  it('builds a blood-pressure panel with systolic and diastolic components', () => {
    const result = buildVitalObservation(
      { kind: 'blood-pressure', values: { systolic: '128', diastolic: '82' }, note: '' },
      context,
    );
    expect(result.ok && result.observation['component']).toEqual([
      expect.objectContaining({
        valueQuantity: expect.objectContaining({ value: 128, code: 'mm[Hg]' }),
      }),
      expect.objectContaining({
        valueQuantity: expect.objectContaining({ value: 82, code: 'mm[Hg]' }),
      }),
    ]);
  });

  it.each([
    [
      { kind: 'heart-rate', values: { heartRate: '' } },
      { heartRate: 'Enter heart rate as a number.' },
    ],
    [
      { kind: 'heart-rate', values: { heartRate: '720' } },
      { heartRate: 'Heart rate must be between 20 and 300.' },
    ],
    [{ kind: 'body-weight', values: { weight: 'abc' } }, { weight: 'Enter weight as a number.' }],
    [
      { kind: 'blood-pressure', values: { systolic: '80', diastolic: '90' } },
      { diastolic: 'Diastolic pressure must be lower than systolic.' },
    ],
  ] as const)('refuses %j', (draft, errors) => {
    expect(
      buildVitalObservation({ ...draft, values: { ...draft.values }, note: '' }, context),
    ).toEqual({ ok: false, errors });
  });
});
