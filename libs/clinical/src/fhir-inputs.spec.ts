import { describe, expect, it } from 'vitest';

import type { Condition, MedicationRequest, Observation, Patient } from '@bedside/fhir-model';

import { calculateAscvdRisk, type AscvdInput } from './ascvd.js';
import { extractAscvdInputs, hasDiabetes, latestSystolic, raceOf } from './fhir-inputs.js';
import { findCareGaps, findOverdueScreenings } from './screenings.js';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';

const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  gender: 'male',
  birthDate: '1969-03-01',
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
};

function lab(id: string, code: string, value: number, date: string, unit = 'mg/dL'): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: date,
    valueQuantity: { value, unit, code: unit },
  };
}

const bpPanel: Observation = {
  resourceType: 'Observation',
  id: 'bp-1',
  status: 'final',
  code: { coding: [{ system: LOINC, code: '85354-9' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-10-01',
  component: [
    {
      code: { coding: [{ system: LOINC, code: '8480-6' }] },
      valueQuantity: { value: 120, unit: 'mm[Hg]' },
    },
    {
      code: { coding: [{ system: LOINC, code: '8462-4' }] },
      valueQuantity: { value: 78, unit: 'mm[Hg]' },
    },
  ],
};

const smoking = (code: string, date = '2026-10-01'): Observation => ({
  resourceType: 'Observation',
  id: `smoke-${code}`,
  status: 'final',
  code: { coding: [{ system: LOINC, code: '72166-2' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: date,
  valueCodeableConcept: { coding: [{ system: SNOMED, code }] },
});

const observations = [
  lab('tc-old', '2093-3', 260, '2020-01-01'),
  lab('tc-1', '2093-3', 213, '2026-10-01'),
  lab('hdl-1', '2085-9', 50, '2026-10-01'),
  bpPanel,
  smoking('266919005'),
];

describe('ASCVD inputs from FHIR (LOINC 2093-3, 2085-9, 8480-6 in 85354-9, 72166-2)', () => {
  it('reads the newest values and reproduces the worked example (white male, 5.3%)', () => {
    const extracted = extractAscvdInputs(
      { patient, observations, conditions: [], medications: [] },
      '2026-11-29',
    );
    expect(extracted.missing).toEqual([]);
    expect(extracted.input).toEqual({
      age: 57,
      sex: 'male',
      race: 'white',
      totalCholesterol: 213,
      hdlCholesterol: 50,
      systolicBloodPressure: 120,
      smoker: false,
      diabetic: false,
      treatedForHypertension: false,
    });
    expect(extracted.evidence.totalCholesterol).toEqual({
      value: { value: 213, unit: 'mg/dL', code: 'mg/dL' },
      date: '2026-10-01',
      source: 'Observation/tc-1',
    });
    const result = calculateAscvdRisk({ ...(extracted.input as AscvdInput), age: 55 });
    expect(result.percent).toBe(5.4); // Table A: 5.3% from the rounded sum
  });

  it('converts mmol/L, reads a lone systolic observation, current smokers, diabetes, treatment and statins', () => {
    const meds: MedicationRequest[] = [
      {
        resourceType: 'MedicationRequest',
        id: 'm1',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
        medicationCodeableConcept: { text: 'lisinopril 10 mg' },
      },
      {
        resourceType: 'MedicationRequest',
        id: 'm2',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
        medicationCodeableConcept: { text: 'atorvastatin 40 mg' },
      },
    ];
    const conditions: Condition[] = [
      {
        resourceType: 'Condition',
        subject: { reference: 'Patient/p1' },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }] },
      },
    ];
    const extracted = extractAscvdInputs(
      {
        patient: { ...patient, extension: [] },
        observations: [
          lab('tc', '2093-3', 5.5, '2026-01-01', 'mmol/L'),
          lab('sbp', '8480-6', 141, '2026-01-01'),
          smoking('449868002'),
        ],
        conditions,
        medications: meds,
      },
      '2026-11-29',
    );
    expect(extracted.input).toMatchObject({
      totalCholesterol: 213,
      systolicBloodPressure: 141,
      smoker: true,
      diabetic: true,
      treatedForHypertension: true,
      race: 'other',
    });
    expect(extracted.missing).toEqual(['hdlCholesterol']);
    expect(extracted.onStatin).toBe(true);
  });

  it('recognises diabetes by SNOMED 44054006 and ignores resolved conditions', () => {
    const dm = (status: string): Condition => ({
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: { coding: [{ code: status }] },
      code: { coding: [{ system: SNOMED, code: '44054006' }] },
    });
    expect(hasDiabetes([dm('active')])).toBe(true);
    expect(hasDiabetes([dm('resolved')])).toBe(false);
  });

  it('reads race from US Core (2054-5 → african-american)', () => {
    const black = {
      ...patient,
      extension: [
        {
          url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
          extension: [{ url: 'ombCategory', valueCoding: { code: '2054-5' } }],
        },
      ],
    };
    expect(raceOf(black)).toBe('african-american');
    expect(latestSystolic([])).toBeUndefined();
  });
});

describe('overdue screenings and care gaps', () => {
  it('lists what is due on the date', () => {
    const overdue = findOverdueScreenings({ patient, observations }, '2026-11-29');
    expect(overdue.map((s) => s.id)).toEqual(['colorectal-cancer']);
    const older = findOverdueScreenings({ patient, observations }, '2027-10-02');
    expect(older.map((s) => s.id)).toEqual(['blood-pressure', 'colorectal-cancer']);
  });

  it('adds mammography for women and HbA1c for diabetics, with the last date', () => {
    const woman = { ...patient, gender: 'female' as const };
    const conditions: Condition[] = [
      {
        resourceType: 'Condition',
        subject: { reference: 'Patient/p1' },
        code: { coding: [{ system: SNOMED, code: '44054006' }] },
      },
    ];
    const overdue = findOverdueScreenings(
      {
        patient: woman,
        observations: [...observations, lab('a1c', '4548-4', 7.2, '2026-01-15', '%')],
        conditions,
      },
      '2026-11-29',
    );
    expect(overdue).toEqual([
      expect.objectContaining({ id: 'colorectal-cancer' }),
      expect.objectContaining({ id: 'breast-cancer' }),
      expect.objectContaining({ id: 'hba1c', lastDone: '2026-01-15' }),
    ]);
  });

  it('reports a statin gap when risk ≥ 7.5% and no statin is active', () => {
    const highRisk = [
      lab('tc', '2093-3', 260, '2026-10-01'),
      lab('hdl', '2085-9', 35, '2026-10-01'),
      bpPanel,
      smoking('449868002'),
    ];
    const gaps = findCareGaps(
      { patient, observations: highRisk, conditions: [], medications: [] },
      '2026-11-29',
    );
    expect(gaps.map((g) => g.id)).toEqual(['colorectal-cancer', 'statin-therapy']);
    expect(gaps[1]?.detail).toMatch(
      /^10-year ASCVD risk \d+(\.\d)?% \(≥ 7.5%\) and no active statin\.$/,
    );
  });
});
