/**
 * Codes used by US Core and by Bedside's summary, with their systems.
 * See: US Core 6.1 vital signs and laboratory result profiles; LOINC; HL7 terminology.
 */
export const CodeSystem = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  ucum: 'http://unitsofmeasure.org',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  observationInterpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
} as const;

/** LOINC codes of the vital signs Bedside charts. */
export const VitalSign = {
  bloodPressurePanel: '85354-9',
  systolic: '8480-6',
  diastolic: '8462-4',
  heartRate: '8867-4',
  respiratoryRate: '9279-1',
  bodyTemperature: '8310-5',
  oxygenSaturation: '59408-5',
  bodyWeight: '29463-7',
  bodyHeight: '8302-2',
  bmi: '39156-5',
} as const;

/** LOINC codes of the laboratory results Bedside shows and uses for risk. */
export const LabTest = {
  totalCholesterol: '2093-3',
  hdlCholesterol: '2085-9',
  ldlCholesterol: '18262-6',
  ldlCholesterolCalculated: '13457-7',
  triglycerides: '2571-8',
  hemoglobinA1c: '4548-4',
  creatinine: '2160-0',
  egfr: '33914-3',
  egfrCkdEpi2021: '98979-8',
  glucose: '2345-7',
} as const;

export const ObservationCategory = {
  vitalSigns: 'vital-signs',
  laboratory: 'laboratory',
  socialHistory: 'social-history',
} as const;
export type ObservationCategory = (typeof ObservationCategory)[keyof typeof ObservationCategory];

/** `system|code` token for a FHIR search parameter. */
export function token(system: string, code: string): string {
  return `${system}|${code}`;
}
