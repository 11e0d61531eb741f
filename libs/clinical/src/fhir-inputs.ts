import type {
  CodeableConcept,
  Condition,
  MedicationRequest,
  Observation,
  Patient,
  Quantity,
} from '@bedside/fhir-model';

import type { AscvdInput, AscvdRace } from './ascvd.js';
import { hasActiveMedicationOfClass } from './medication-checks.js';
import { ANTIHYPERTENSIVE_CLASSES, DrugClass, SNOMED } from './medications.js';

export const LOINC = 'http://loinc.org';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';

/** LOINC codes read for the Pooled Cohort Equations. */
export const AscvdLoinc = {
  totalCholesterol: '2093-3',
  hdlCholesterol: '2085-9',
  systolic: '8480-6',
  bloodPressurePanel: '85354-9',
  smokingStatus: '72166-2',
} as const;

/** SNOMED smoking-status answers (US Core smoking status value set) that mean "current smoker". */
const CURRENT_SMOKER = new Set([
  '449868002', // Current every day smoker
  '428041000124106', // Current some day smoker
  '77176002', // Smoker, current status unknown
  '428071000124103', // Current heavy tobacco smoker
  '428061000124105', // Current light tobacco smoker
  '65568007', // Cigarette smoker
]);
const NON_SMOKER = new Set([
  '266919005', // Never smoked tobacco
  '8517006', // Ex-smoker
  '266927001', // Tobacco smoking consumption unknown (treated as no current smoking)
]);

/** SNOMED diabetes mellitus codes (type 1, type 2 and unspecified). */
const DIABETES_SNOMED = new Set(['44054006', '46635009', '73211009']);
/** ICD-10-CM: E10 type 1, E11 type 2, E13 other specified diabetes. */
const DIABETES_ICD10 = /^E1[013](\.|$)/;

/** US Core race extension OMB categories. */
const US_CORE_RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race';
const OMB_BLACK = '2054-5';
const OMB_WHITE = '2106-3';

function has(concept: CodeableConcept | undefined, system: string, code: string): boolean {
  return concept?.coding?.some((c) => c.system === system && c.code === code) ?? false;
}

function effective(observation: Observation): string | undefined {
  const period = observation['effectivePeriod'] as { start?: string } | undefined;
  return (
    observation.effectiveDateTime ?? period?.start ?? (observation['issued'] as string | undefined)
  );
}

function usable(observation: Observation): boolean {
  return ['final', 'amended', 'corrected', 'preliminary'].includes(observation.status);
}

/** Observations newest first (undated last). */
export function newestFirst<T extends Observation>(observations: readonly T[]): T[] {
  return [...observations].sort((a, b) => (effective(b) ?? '').localeCompare(effective(a) ?? ''));
}

/** mg/dL from a cholesterol quantity in mg/dL or mmol/L (× 38.67). */
function cholesterolMgDl(quantity: Quantity | undefined): number | undefined {
  if (quantity?.value === undefined) return undefined;
  const unit = (quantity.code ?? quantity.unit ?? 'mg/dL').toLowerCase();
  if (unit === 'mmol/l') return Math.round(quantity.value * 38.67);
  return quantity.value;
}

export interface DatedValue<T> {
  value: T;
  date?: string;
  /** `Observation/id` it came from. */
  source?: string;
}

function ref(observation: Observation): string | undefined {
  return observation.id === undefined ? undefined : `Observation/${observation.id}`;
}

/** The newest value of a LOINC-coded quantity observation. */
export function latestQuantity(
  observations: readonly Observation[],
  loinc: string,
): DatedValue<Quantity> | undefined {
  for (const observation of newestFirst(observations.filter(usable))) {
    if (has(observation.code, LOINC, loinc) && observation.valueQuantity?.value !== undefined) {
      return dated(observation.valueQuantity, observation);
    }
  }
  return undefined;
}

function dated<T>(value: T, observation: Observation): DatedValue<T> {
  const date = effective(observation);
  const source = ref(observation);
  return {
    value,
    ...(date === undefined ? {} : { date }),
    ...(source === undefined ? {} : { source }),
  };
}

/** Newest systolic pressure: an 8480-6 observation or the 8480-6 component of an 85354-9 panel. */
export function latestSystolic(
  observations: readonly Observation[],
): DatedValue<number> | undefined {
  for (const observation of newestFirst(observations.filter(usable))) {
    if (
      has(observation.code, LOINC, AscvdLoinc.systolic) &&
      observation.valueQuantity?.value !== undefined
    ) {
      return dated(observation.valueQuantity.value, observation);
    }
    if (has(observation.code, LOINC, AscvdLoinc.bloodPressurePanel)) {
      const components = (observation['component'] ?? []) as {
        code: CodeableConcept;
        valueQuantity?: Quantity;
      }[];
      const systolic = components.find((c) => has(c.code, LOINC, AscvdLoinc.systolic));
      if (systolic?.valueQuantity?.value !== undefined)
        return dated(systolic.valueQuantity.value, observation);
    }
  }
  return undefined;
}

/** Newest smoking status (LOINC 72166-2): true for a current smoker, false otherwise. */
export function latestSmokingStatus(
  observations: readonly Observation[],
): DatedValue<boolean> | undefined {
  for (const observation of newestFirst(observations.filter(usable))) {
    if (!has(observation.code, LOINC, AscvdLoinc.smokingStatus)) continue;
    const answer = observation['valueCodeableConcept'] as CodeableConcept | undefined;
    const code = answer?.coding?.find((c) => c.system === SNOMED)?.code;
    if (code !== undefined && CURRENT_SMOKER.has(code)) return dated(true, observation);
    if (code !== undefined && NON_SMOKER.has(code)) return dated(false, observation);
    const text = (answer?.text ?? answer?.coding?.[0]?.display ?? '').toLowerCase();
    if (/\b(never|former|ex-)/.test(text)) return dated(false, observation);
    if (/\bsmoker\b/.test(text)) return dated(true, observation);
  }
  return undefined;
}

/** Active (or unstated status) diabetes on the problem list: SNOMED 44054006 & co, ICD-10 E10/E11/E13. */
export function hasDiabetes(conditions: readonly Condition[]): boolean {
  return conditions.some((condition) => {
    const status = condition.clinicalStatus?.coding?.[0]?.code;
    if (status !== undefined && !['active', 'recurrence', 'relapse'].includes(status)) return false;
    return (condition.code?.coding ?? []).some(
      (c) =>
        (c.system === SNOMED && c.code !== undefined && DIABETES_SNOMED.has(c.code)) ||
        (c.system === ICD10 && c.code !== undefined && DIABETES_ICD10.test(c.code)),
    );
  });
}

/** Race for the equations from the US Core race extension (OMB category). */
export function raceOf(patient: Patient | undefined): AscvdRace {
  const extensions = (patient?.['extension'] ?? []) as {
    url: string;
    extension?: { url: string; valueCoding?: { code?: string } }[];
  }[];
  const race = extensions.find((e) => e.url === US_CORE_RACE);
  const categories = (race?.extension ?? [])
    .filter((e) => e.url === 'ombCategory')
    .map((e) => e.valueCoding?.code);
  if (categories.includes(OMB_BLACK)) return 'african-american';
  if (categories.includes(OMB_WHITE)) return 'white';
  return 'other';
}

/** Whole years between `birthDate` and `today` (both YYYY-MM-DD…). */
export function ageOn(birthDate: string | undefined, today: string): number | undefined {
  if (birthDate === undefined || !/^\d{4}-\d{2}-\d{2}/.test(birthDate)) return undefined;
  const [by, bm, bd] = birthDate.slice(0, 10).split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.slice(0, 10).split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

export interface PatientRecord {
  patient?: Patient;
  observations?: readonly Observation[];
  conditions?: readonly Condition[];
  medications?: readonly MedicationRequest[];
}

export interface ExtractedAscvdInputs {
  /** What could be read; pass to `calculateAscvdRisk` when `missing` is empty. */
  input: Partial<AscvdInput>;
  /** Fields the record does not provide. */
  missing: (keyof AscvdInput)[];
  /** Observations used, with their dates (for the card's detail). */
  evidence: Partial<
    Record<
      'totalCholesterol' | 'hdlCholesterol' | 'systolicBloodPressure' | 'smoker',
      DatedValue<unknown>
    >
  >;
  /** An active statin is on the medication list. */
  onStatin: boolean;
}

/**
 * Reads the Pooled Cohort Equations' inputs from a FHIR record: newest total cholesterol
 * (2093-3), HDL (2085-9), systolic pressure (8480-6, alone or in the 85354-9 panel), smoking
 * status (72166-2), diabetes on the problem list, antihypertensives and statins among active
 * MedicationRequests, sex, age on `today`, race from the US Core race extension.
 */
export function extractAscvdInputs(record: PatientRecord, today: string): ExtractedAscvdInputs {
  const observations = record.observations ?? [];
  const medications = record.medications ?? [];
  const input: Partial<AscvdInput> = {};
  const evidence: ExtractedAscvdInputs['evidence'] = {};

  const age = ageOn(record.patient?.birthDate, today);
  if (age !== undefined) input.age = age;
  const gender = record.patient?.gender;
  if (gender === 'female' || gender === 'male') input.sex = gender;
  input.race = raceOf(record.patient);

  const tc = latestQuantity(observations, AscvdLoinc.totalCholesterol);
  const tcValue = cholesterolMgDl(tc?.value);
  if (tc && tcValue !== undefined) {
    input.totalCholesterol = tcValue;
    evidence.totalCholesterol = tc;
  }
  const hdl = latestQuantity(observations, AscvdLoinc.hdlCholesterol);
  const hdlValue = cholesterolMgDl(hdl?.value);
  if (hdl && hdlValue !== undefined) {
    input.hdlCholesterol = hdlValue;
    evidence.hdlCholesterol = hdl;
  }
  const sbp = latestSystolic(observations);
  if (sbp) {
    input.systolicBloodPressure = sbp.value;
    evidence.systolicBloodPressure = sbp;
  }
  const smoking = latestSmokingStatus(observations);
  if (smoking) {
    input.smoker = smoking.value;
    evidence.smoker = smoking;
  }
  input.diabetic = hasDiabetes(record.conditions ?? []);
  input.treatedForHypertension = ANTIHYPERTENSIVE_CLASSES.some((cls) =>
    hasActiveMedicationOfClass(medications, cls),
  );

  const required: (keyof AscvdInput)[] = [
    'age',
    'sex',
    'totalCholesterol',
    'hdlCholesterol',
    'systolicBloodPressure',
    'smoker',
  ];
  return {
    input,
    missing: required.filter((field) => input[field] === undefined),
    evidence,
    onStatin: hasActiveMedicationOfClass(medications, DrugClass.statin),
  };
}
