import type { Encounter, Patient, Practitioner } from '@bedside/fhir-model';

/** A small fixed cast for the launcher. A larger generated population arrives with `npm run seed`. */
export const demoPractitioner: Practitioner & { id: string } = {
  resourceType: 'Practitioner',
  id: 'practitioner-ann-lee',
  identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }],
  name: [{ use: 'official', prefix: ['Dr.'], given: ['Ann'], family: 'Lee' }],
};

const demoPatientRows: readonly [string, string, string, Patient['gender'], string][] = [
  ['pat-amy-shaw', 'Amy', 'Shaw', 'female', '1987-02-20'],
  ['pat-omar-haddad', 'Omar', 'Haddad', 'male', '1954-11-03'],
  ['pat-lucia-moreno', 'Lucía', 'Moreno', 'female', '1972-06-14'],
  ['pat-kenji-sato', 'Kenji', 'Sato', 'male', '1990-09-30'],
  ['pat-grace-okafor', 'Grace', 'Okafor', 'female', '1949-01-08'],
  ['pat-daniel-weiss', 'Daniel', 'Weiss', 'male', '2012-04-22'],
];

export const demoPatients: (Patient & { id: string })[] = demoPatientRows.map(
  ([id, given, family, gender, birthDate], index) => ({
    resourceType: 'Patient',
    id,
    identifier: [
      {
        use: 'usual',
        type: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }],
        },
        system: 'urn:oid:2.16.840.1.113883.3.9999.1',
        value: `MRN${String(100_001 + index)}`,
      },
    ],
    active: true,
    name: [{ use: 'official', given: [given], family }],
    gender,
    birthDate,
  }),
);

export const demoEncounters: (Encounter & { id: string })[] = demoPatients.map((patient) => ({
  resourceType: 'Encounter',
  id: `enc-${patient.id.slice(4)}`,
  status: 'in-progress',
  class: {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
    code: 'AMB',
    display: 'ambulatory',
  },
  subject: { reference: `Patient/${patient.id}` },
  participant: [{ individual: { reference: `Practitioner/${demoPractitioner.id}` } }],
  period: { start: '2026-11-28T09:00:00Z' },
}));
