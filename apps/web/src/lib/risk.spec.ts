import { describe, expect, it } from 'vitest';

import type { Condition, Observation, Patient } from '@bedside/fhir-model';

import { buildAscvdPanel } from './risk';

const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
const lab = (code: string, value: number, when: string): Observation => ({
  resourceType: 'Observation',
  id: `${code}-${when}`,
  status: 'final',
  code: loinc(code),
  effectiveDateTime: when,
  valueQuantity: { value, unit: 'mg/dL', code: 'mg/dL' },
});
const bloodPressure = (systolic: number, when: string): Observation =>
  ({
    resourceType: 'Observation',
    id: `bp-${when}`,
    status: 'final',
    code: loinc('85354-9'),
    effectiveDateTime: when,
    component: [
      { code: loinc('8480-6'), valueQuantity: { value: systolic, unit: 'mmHg' } },
      { code: loinc('8462-4'), valueQuantity: { value: 80, unit: 'mmHg' } },
    ],
  }) as Observation;
const smoking = (snomed: string, when: string): Observation => ({
  resourceType: 'Observation',
  id: `smoking-${when}`,
  status: 'final',
  code: loinc('72166-2'),
  effectiveDateTime: when,
  valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: snomed }] },
});
const whiteFemale = (birthDate: string): Patient =>
  ({
    resourceType: 'Patient',
    id: 'p1',
    gender: 'female',
    birthDate,
    extension: [
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: [
          {
            url: 'ombCategory',
            valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3' },
          },
        ],
      },
    ],
  }) as Patient;

const goffTableA: Observation[] = [
  lab('2093-3', 213, '2026-10-01'),
  lab('2085-9', 50, '2026-10-01'),
  bloodPressure(120, '2026-11-01'),
  smoking('266919005', '2026-11-01'),
];

describe('ASCVD risk panel (2013 ACC/AHA Pooled Cohort Equations)', () => {
  it('computes Goff 2013 Table A (white woman, 55) from FHIR observations, newest values', () => {
    const panel = buildAscvdPanel(
      {
        patient: whiteFemale('1971-06-01'),
        observations: [...goffTableA, lab('2093-3', 260, '2020-01-01')],
        conditions: [],
        medications: [],
      },
      '2026-11-29',
    );
    expect(panel.kind).toBe('result');
    if (panel.kind !== 'result') return;
    expect(panel.result.percent).toBe(2.1);
    expect(panel.result.category).toBe('low');
    expect(panel.inputs.find((row) => row.field === 'totalCholesterol')).toEqual({
      field: 'totalCholesterol',
      label: 'Total cholesterol',
      value: '213 mg/dL',
      date: '2026-10-01',
    });
    expect(panel.inputs.find((row) => row.field === 'smoker')?.value).toBe('No');
  });

  it('names every missing input instead of guessing one', () => {
    const panel = buildAscvdPanel(
      { patient: whiteFemale('1971-06-01'), observations: [bloodPressure(130, '2026-11-01')] },
      '2026-11-29',
    );
    expect(panel).toMatchObject({
      kind: 'missing',
      missing: ['Total cholesterol', 'HDL cholesterol', 'Current smoker'],
    });
  });

  it('refuses ages outside the validated 40-79 range, saying why', () => {
    const panel = buildAscvdPanel(
      { patient: whiteFemale('1990-01-01'), observations: goffTableA },
      '2026-11-29',
    );
    expect(panel).toMatchObject({
      kind: 'out-of-range',
      reasons: ['Age must be 40–79 for the equations'],
    });
  });

  it('counts diabetes from the problem list and shows it as an input', () => {
    const diabetes: Condition = {
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' },
        ],
      },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
    };
    const without = buildAscvdPanel(
      { patient: whiteFemale('1971-06-01'), observations: goffTableA },
      '2026-11-29',
    );
    const withDiabetes = buildAscvdPanel(
      { patient: whiteFemale('1971-06-01'), observations: goffTableA, conditions: [diabetes] },
      '2026-11-29',
    );
    if (without.kind !== 'result' || withDiabetes.kind !== 'result') throw new Error('no result');
    expect(withDiabetes.inputs.find((row) => row.field === 'diabetic')?.value).toBe('Yes');
    expect(withDiabetes.result.percent).toBeGreaterThan(without.result.percent);
  });
});
