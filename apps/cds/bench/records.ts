/** The record the bench's patient-view calls are about: high ASCVD risk, no statin. */
const LOINC = 'http://loinc.org';
const patientId = 'bench-1';

const obs = (id: string, code: string, value: number, unit: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: LOINC, code }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10),
  valueQuantity: { value, unit },
});

const searchset = (resources: object[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: resources.length,
  entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
});

export const benchPatientId = patientId;

/** Prefetch key → value, as the service's templates ask for them. */
export const benchPrefetch = {
  patient: { resourceType: 'Patient', id: patientId, gender: 'male', birthDate: '1960-03-01' },
  observations: searchset([
    obs('tc', '2093-3', 240, 'mg/dL'),
    obs('hdl', '2085-9', 38, 'mg/dL'),
    obs('sbp', '8480-6', 150, 'mm[Hg]'),
    obs('a1c', '4548-4', 6.1, '%'),
    {
      resourceType: 'Observation',
      id: 'smoke',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '72166-2' }] },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: '2026-10-01',
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '449868002' }] },
    },
  ]),
  conditions: searchset([]),
  medications: searchset([]),
  procedures: searchset([]),
  hba1c: searchset([]),
} as const;
