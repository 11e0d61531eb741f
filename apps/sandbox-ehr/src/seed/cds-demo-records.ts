import type { Resource } from '@bedside/fhir-model';

import type { ResourceStore } from '../fhir/resource-store.js';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const DAY = 86_400_000;

type Stored = Resource & { id: string };

function isoDaysAgo(now: number, days: number): string {
  return new Date(now - days * DAY).toISOString().slice(0, 10);
}

function lab(
  patientId: string,
  id: string,
  code: string,
  display: string,
  value: number,
  unit: string,
  date: string,
): Stored {
  return {
    resourceType: 'Observation',
    id: `cds-${id}-${patientId.slice(4)}`,
    status: 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'laboratory',
          },
        ],
      },
    ],
    code: { coding: [{ system: LOINC, code, display }], text: display },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: date,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

function bloodPressure(
  patientId: string,
  systolic: number,
  diastolic: number,
  date: string,
): Stored {
  const component = (code: string, display: string, value: number) => ({
    code: { coding: [{ system: LOINC, code, display }] },
    valueQuantity: { value, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  });
  return {
    resourceType: 'Observation',
    id: `cds-bp-${patientId.slice(4)}`,
    status: 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'vital-signs',
          },
        ],
      },
    ],
    code: {
      coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }],
      text: 'Blood pressure',
    },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: date,
    component: [
      component('8480-6', 'Systolic blood pressure', systolic),
      component('8462-4', 'Diastolic blood pressure', diastolic),
    ],
  };
}

function smokingStatus(patientId: string, code: string, display: string, date: string): Stored {
  return {
    resourceType: 'Observation',
    id: `cds-smoking-${patientId.slice(4)}`,
    status: 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'social-history',
          },
        ],
      },
    ],
    code: { coding: [{ system: LOINC, code: '72166-2', display: 'Tobacco smoking status' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: date,
    valueCodeableConcept: { coding: [{ system: SNOMED, code, display }], text: display },
  };
}

function penicillinAllergy(patientId: string): Stored {
  return {
    resourceType: 'AllergyIntolerance',
    id: `cds-pcn-${patientId.slice(4)}`,
    clinicalStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
          code: 'active',
        },
      ],
    },
    verificationStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
          code: 'confirmed',
        },
      ],
    },
    category: ['medication'],
    criticality: 'high',
    code: {
      coding: [{ system: SNOMED, code: '91936005', display: 'Allergy to penicillin' }],
      text: 'Penicillin',
    },
    patient: { reference: `Patient/${patientId}` },
  };
}

function activeMedication(patientId: string, id: string, code: string, text: string): Stored {
  return {
    resourceType: 'MedicationRequest',
    id: `cds-${id}-${patientId.slice(4)}`,
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code, display: text }], text },
    subject: { reference: `Patient/${patientId}` },
  };
}

/**
 * Records that make the CDS demo cards appear (dates relative to `now`, so they stay current):
 * Omar Haddad (72, smoker, treated hypertension, no statin: ASCVD ≥ 7.5%, penicillin allergy),
 * Lucía Moreno (54, on a statin: risk shown for information), Grace Okafor (77, type 2 diabetes,
 * HbA1c above target and old, penicillin allergy).
 */
export function cdsDemoRecords(now: number = Date.now()): Stored[] {
  const recent = isoDaysAgo(now, 30);
  const omar = 'pat-omar-haddad';
  const lucia = 'pat-lucia-moreno';
  const grace = 'pat-grace-okafor';
  return [
    lab(omar, 'tc', '2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 232, 'mg/dL', recent),
    lab(omar, 'hdl', '2085-9', 'HDL Cholesterol', 41, 'mg/dL', recent),
    bloodPressure(omar, 146, 88, recent),
    smokingStatus(omar, '449868002', 'Current every day smoker', recent),
    activeMedication(omar, 'lisinopril', '29046', 'lisinopril 10 mg tablet'),
    penicillinAllergy(omar),

    lab(
      lucia,
      'tc',
      '2093-3',
      'Cholesterol [Mass/volume] in Serum or Plasma',
      198,
      'mg/dL',
      recent,
    ),
    lab(lucia, 'hdl', '2085-9', 'HDL Cholesterol', 58, 'mg/dL', recent),
    bloodPressure(lucia, 128, 80, recent),
    smokingStatus(lucia, '266919005', 'Never smoked tobacco', recent),
    activeMedication(lucia, 'atorvastatin', '83367', 'atorvastatin 20 mg tablet'),

    lab(
      grace,
      'a1c',
      '4548-4',
      'Hemoglobin A1c/Hemoglobin.total in Blood',
      8.4,
      '%',
      isoDaysAgo(now, 240),
    ),
    lab(
      grace,
      'tc',
      '2093-3',
      'Cholesterol [Mass/volume] in Serum or Plasma',
      214,
      'mg/dL',
      recent,
    ),
    lab(grace, 'hdl', '2085-9', 'HDL Cholesterol', 52, 'mg/dL', recent),
    bloodPressure(grace, 138, 76, recent),
    smokingStatus(grace, '8517006', 'Ex-smoker', recent),
    {
      resourceType: 'Condition',
      id: `cds-dm2-${grace.slice(4)}`,
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' },
        ],
      },
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/condition-category',
              code: 'problem-list-item',
            },
          ],
        },
      ],
      code: {
        coding: [{ system: SNOMED, code: '44054006', display: 'Diabetes mellitus type 2' }],
        text: 'Type 2 diabetes',
      },
      subject: { reference: `Patient/${grace}` },
    },
    penicillinAllergy(grace),
    {
      resourceType: 'Coverage',
      id: `cds-coverage-${omar.slice(4)}`,
      status: 'active',
      beneficiary: { reference: `Patient/${omar}` },
      payor: [{ display: 'Acme Health Plan' }],
    },
  ];
}

/** Puts the CDS demo records in place (idempotent). */
export async function seedCdsDemoRecords(
  store: ResourceStore,
  now: number = Date.now(),
): Promise<void> {
  for (const resource of cdsDemoRecords(now)) await store.upsert(resource);
}
