import {
  CodeSystem,
  componentQuantity,
  conceptText,
  effectiveTime,
  formatReferenceRange,
  hasCoding,
  LabTest,
  resultFlag,
  VitalSign,
  type CodeableConcept,
  type Flag,
  type Observation,
  type Resource,
} from '@bedside/fhir-model';

export interface Point {
  time: number;
  value: number;
}

export interface Series {
  label: string;
  unit: string;
  points: Point[];
}

export interface VitalCharts {
  bloodPressure: Series[];
  heartRate: Series[];
  weight: Series[];
  bmi: Series[];
}

function timeOf(observation: Observation): number | undefined {
  const when = effectiveTime(observation);
  const time = when ? Date.parse(when) : Number.NaN;
  return Number.isNaN(time) ? undefined : time;
}

function isCode(observation: Observation, code: string): boolean {
  return hasCoding(observation.code, CodeSystem.loinc, code);
}

function pointsOf(observations: readonly Observation[], code: string): Point[] {
  return observations
    .filter((observation) => isCode(observation, code))
    .flatMap((observation) => {
      const time = timeOf(observation);
      const value = observation.valueQuantity?.value;
      return time !== undefined && value !== undefined ? [{ time, value }] : [];
    })
    .sort((a, b) => a.time - b.time);
}

/** Vital-sign series over time, oldest first, for the summary's charts. */
export function vitalCharts(observations: readonly Observation[]): VitalCharts {
  const systolic: Point[] = [];
  const diastolic: Point[] = [];
  for (const observation of observations) {
    if (!isCode(observation, VitalSign.bloodPressurePanel)) continue;
    const time = timeOf(observation);
    const sys = componentQuantity(observation, CodeSystem.loinc, VitalSign.systolic)?.value;
    const dia = componentQuantity(observation, CodeSystem.loinc, VitalSign.diastolic)?.value;
    if (time === undefined) continue;
    if (sys !== undefined) systolic.push({ time, value: sys });
    if (dia !== undefined) diastolic.push({ time, value: dia });
  }
  systolic.sort((a, b) => a.time - b.time);
  diastolic.sort((a, b) => a.time - b.time);
  return {
    bloodPressure: [
      { label: 'Systolic', unit: 'mmHg', points: systolic },
      { label: 'Diastolic', unit: 'mmHg', points: diastolic },
    ],
    heartRate: [
      { label: 'Heart rate', unit: '/min', points: pointsOf(observations, VitalSign.heartRate) },
    ],
    weight: [{ label: 'Weight', unit: 'kg', points: pointsOf(observations, VitalSign.bodyWeight) }],
    bmi: [{ label: 'BMI', unit: 'kg/m²', points: pointsOf(observations, VitalSign.bmi) }],
  };
}

export interface LabRow {
  code: string;
  name: string;
  value: string;
  unit: string;
  flag: Flag | undefined;
  range: string;
  time: number | undefined;
  previous: string | undefined;
}

const labOrder: readonly string[] = [
  LabTest.hemoglobinA1c,
  LabTest.totalCholesterol,
  LabTest.ldlCholesterol,
  LabTest.ldlCholesterolCalculated,
  LabTest.hdlCholesterol,
  LabTest.triglycerides,
  LabTest.creatinine,
  LabTest.egfr,
  LabTest.egfrCkdEpi2021,
  LabTest.glucose,
];

function valueText(observation: Observation): string {
  const quantity = observation.valueQuantity;
  if (quantity?.value !== undefined) return `${quantity.comparator ?? ''}${quantity.value}`;
  const text = observation['valueString'] as string | undefined;
  return text ?? conceptText(observation['valueCodeableConcept'] as CodeableConcept | undefined);
}

/** The most recent result of each lab test, with its previous value, range and flag. */
export function recentLabs(observations: readonly Observation[]): LabRow[] {
  const byCode = new Map<string, Observation[]>();
  for (const observation of observations) {
    const code = observation.code.coding?.find(
      (coding) => coding.system === CodeSystem.loinc,
    )?.code;
    if (!code) continue;
    byCode.set(code, [...(byCode.get(code) ?? []), observation]);
  }
  const rows: LabRow[] = [];
  for (const [code, results] of byCode) {
    const sorted = [...results].sort((a, b) => (timeOf(b) ?? 0) - (timeOf(a) ?? 0));
    const latest = sorted[0];
    if (!latest) continue;
    rows.push({
      code,
      name: conceptText(latest.code),
      value: valueText(latest),
      unit: latest.valueQuantity?.unit ?? '',
      flag: resultFlag(latest),
      range: formatReferenceRange((latest['referenceRange'] as never[] | undefined)?.[0]),
      time: timeOf(latest),
      previous: sorted[1] ? valueText(sorted[1]) : undefined,
    });
  }
  const rank = (code: string) => {
    const index = labOrder.indexOf(code);
    return index < 0 ? labOrder.length : index;
  };
  return rows.sort((a, b) => rank(a.code) - rank(b.code) || a.name.localeCompare(b.name));
}

/** Display name of a Condition, MedicationRequest or AllergyIntolerance. */
export function clinicalName(resource: Resource): string {
  const concept =
    (resource['code'] as CodeableConcept | undefined) ??
    (resource['medicationCodeableConcept'] as CodeableConcept | undefined);
  return (
    conceptText(concept) ||
    (resource['medicationReference'] as { display?: string } | undefined)?.display ||
    'Unnamed'
  );
}

const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });

export function formatDate(value: string | number | undefined): string {
  if (value === undefined) return '—';
  const time = typeof value === 'number' ? value : Date.parse(value);
  return Number.isNaN(time) ? String(value) : dateFormat.format(new Date(time));
}

/** Age in whole years at `now` from a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD). */
export function ageInYears(birthDate: string | undefined, now: Date): number | undefined {
  if (!birthDate || !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(birthDate)) return undefined;
  const [year, month = 1, day = 1] = birthDate.split('-').map(Number);
  if (year === undefined) return undefined;
  let age = now.getUTCFullYear() - year;
  if (now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day))
    age -= 1;
  return age;
}
