import {
  ASCVD_RANGES,
  STATIN_THRESHOLD_PERCENT,
  calculateAscvdRisk,
  extractAscvdInputs,
  validateAscvdInput,
  type AscvdInput,
  type AscvdResult,
  type PatientRecord,
} from '@bedside/clinical';

/** One input of the Pooled Cohort Equations as the panel shows it. */
export interface RiskInputRow {
  field: keyof AscvdInput;
  label: string;
  /** What the record says, or undefined when it is missing. */
  value: string | undefined;
  /** The observation date the value comes from, when it comes from one. */
  date?: string | undefined;
}

export type AscvdPanel =
  | { kind: 'result'; result: AscvdResult; inputs: RiskInputRow[]; onStatin: boolean }
  /** The record lacks inputs: named, so the clinician knows what to order or record. */
  | { kind: 'missing'; missing: string[]; inputs: RiskInputRow[] }
  /** Inputs exist but fall outside the equations' validated ranges (e.g. age 35). */
  | { kind: 'out-of-range'; reasons: string[]; inputs: RiskInputRow[] };

const labels: Record<keyof AscvdInput, string> = {
  age: 'Age',
  sex: 'Sex',
  race: 'Race (equation cohort)',
  totalCholesterol: 'Total cholesterol',
  hdlCholesterol: 'HDL cholesterol',
  systolicBloodPressure: 'Systolic blood pressure',
  treatedForHypertension: 'Treated for hypertension',
  smoker: 'Current smoker',
  diabetic: 'Diabetes',
};

const units: Partial<Record<keyof AscvdInput, string>> = {
  age: 'years',
  totalCholesterol: 'mg/dL',
  hdlCholesterol: 'mg/dL',
  systolicBloodPressure: 'mmHg',
};

const order: (keyof AscvdInput)[] = [
  'age',
  'sex',
  'race',
  'totalCholesterol',
  'hdlCholesterol',
  'systolicBloodPressure',
  'treatedForHypertension',
  'smoker',
  'diabetic',
];

function show(field: keyof AscvdInput, value: AscvdInput[keyof AscvdInput] | undefined) {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (field === 'race' && value === 'other') return 'Other (white equations)';
  const unit = units[field];
  return unit ? `${value} ${unit}` : String(value);
}

/**
 * The risk panel's content: the 10-year ASCVD risk (2013 ACC/AHA Pooled Cohort Equations) from
 * the record's labs, vitals, conditions and medications, with every input shown and every missing
 * one named. Never guesses a missing value.
 */
export function buildAscvdPanel(record: PatientRecord, today: string): AscvdPanel {
  const extracted = extractAscvdInputs(record, today);
  const inputs: RiskInputRow[] = order.map((field) => {
    const evidence = (extracted.evidence as Record<string, { date?: string } | undefined>)[field];
    return {
      field,
      label: labels[field],
      value: show(field, extracted.input[field]),
      date: evidence?.date,
    };
  });
  if (extracted.missing.length > 0) {
    return { kind: 'missing', missing: extracted.missing.map((field) => labels[field]), inputs };
  }
  const issues = validateAscvdInput(extracted.input);
  if (issues.length > 0) {
    return {
      kind: 'out-of-range',
      reasons: issues.map((issue) => {
        const range = (ASCVD_RANGES as Partial<Record<string, readonly [number, number]>>)[
          issue.field
        ];
        return range
          ? `${labels[issue.field]} must be ${range[0]}–${range[1]} for the equations`
          : `${labels[issue.field]} ${issue.message}`;
      }),
      inputs,
    };
  }
  return {
    kind: 'result',
    result: calculateAscvdRisk(extracted.input as AscvdInput),
    inputs,
    onStatin: extracted.onStatin,
  };
}

export { STATIN_THRESHOLD_PERCENT };
