/**
 * 10-year risk of a first hard atherosclerotic cardiovascular disease event (non-fatal MI, CHD
 * death, fatal or non-fatal stroke) by the 2013 ACC/AHA Pooled Cohort Equations.
 *
 * See: Goff DC Jr et al. 2013 ACC/AHA Guideline on the Assessment of Cardiovascular Risk,
 * Circulation 2014;129(suppl 2):S49-S73, Table A (equation parameters) and its worked example.
 */

export const AscvdSex = { female: 'female', male: 'male' } as const;
export type AscvdSex = (typeof AscvdSex)[keyof typeof AscvdSex];

/**
 * The equations were derived for white and African-American adults. For other groups the
 * guideline says to use the white equations (which may over- or under-estimate risk).
 */
export const AscvdRace = {
  white: 'white',
  africanAmerican: 'african-american',
  other: 'other',
} as const;
export type AscvdRace = (typeof AscvdRace)[keyof typeof AscvdRace];

export interface AscvdInput {
  /** Years, 40-79 (the equations' validated range). */
  age: number;
  sex: AscvdSex;
  race: AscvdRace;
  /** Total cholesterol, mg/dL (130-320). */
  totalCholesterol: number;
  /** HDL cholesterol, mg/dL (20-100). */
  hdlCholesterol: number;
  /** Systolic blood pressure, mmHg (90-200). */
  systolicBloodPressure: number;
  /** On antihypertensive treatment. */
  treatedForHypertension: boolean;
  /** Current smoker. */
  smoker: boolean;
  diabetic: boolean;
}

/** Guideline categories of 10-year risk. */
export const AscvdRiskCategory = {
  low: 'low',
  borderline: 'borderline',
  intermediate: 'intermediate',
  high: 'high',
} as const;
export type AscvdRiskCategory = (typeof AscvdRiskCategory)[keyof typeof AscvdRiskCategory];

export interface AscvdResult {
  /** 10-year risk as a fraction (0..1). */
  risk: number;
  /** Risk in percent, rounded to one decimal, as the guideline's calculator shows it. */
  percent: number;
  category: AscvdRiskCategory;
  /** The cohort equation used. */
  cohort: 'white-female' | 'african-american-female' | 'white-male' | 'african-american-male';
  /**
   * 2013 ACC/AHA cholesterol guideline: adults 40-75 without clinical ASCVD, LDL 70-189 mg/dL and
   * 10-year risk ≥ 7.5% should be offered moderate- to high-intensity statin therapy.
   */
  statinRecommended: boolean;
  /** The individual sum of coefficient × value (Table A "Individual Sum"). */
  individualSum: number;
}

export interface AscvdInputIssue {
  field: keyof AscvdInput;
  message: string;
}

/** The inputs are outside the range the equations were validated for. */
export class AscvdInputError extends Error {
  readonly code = 'invalid_ascvd_input';
  constructor(readonly issues: readonly AscvdInputIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.name = 'AscvdInputError';
  }
}

/** Ranges of the ACC/AHA ASCVD Risk Estimator. */
export const ASCVD_RANGES = {
  age: [40, 79],
  totalCholesterol: [130, 320],
  hdlCholesterol: [20, 100],
  systolicBloodPressure: [90, 200],
} as const satisfies Partial<Record<keyof AscvdInput, readonly [number, number]>>;

interface Coefficients {
  lnAge: number;
  lnAgeSquared: number;
  lnTotalCholesterol: number;
  lnAgeLnTotalCholesterol: number;
  lnHdl: number;
  lnAgeLnHdl: number;
  lnTreatedSbp: number;
  lnAgeLnTreatedSbp: number;
  lnUntreatedSbp: number;
  lnAgeLnUntreatedSbp: number;
  smoker: number;
  lnAgeSmoker: number;
  diabetes: number;
  baselineSurvival: number;
  meanSum: number;
}

const zero = {
  lnAgeSquared: 0,
  lnAgeLnTotalCholesterol: 0,
  lnAgeLnHdl: 0,
  lnAgeLnTreatedSbp: 0,
  lnAgeLnUntreatedSbp: 0,
  lnAgeSmoker: 0,
};

/** Goff 2013, Table A: equation parameters for each race/sex group. */
const COHORTS: Readonly<Record<AscvdResult['cohort'], Coefficients>> = {
  'white-female': {
    ...zero,
    lnAge: -29.799,
    lnAgeSquared: 4.884,
    lnTotalCholesterol: 13.54,
    lnAgeLnTotalCholesterol: -3.114,
    lnHdl: -13.578,
    lnAgeLnHdl: 3.149,
    lnTreatedSbp: 2.019,
    lnUntreatedSbp: 1.957,
    smoker: 7.574,
    lnAgeSmoker: -1.665,
    diabetes: 0.661,
    baselineSurvival: 0.9665,
    meanSum: -29.18,
  },
  'african-american-female': {
    ...zero,
    lnAge: 17.114,
    lnTotalCholesterol: 0.94,
    lnHdl: -18.92,
    lnAgeLnHdl: 4.475,
    lnTreatedSbp: 29.291,
    lnAgeLnTreatedSbp: -6.432,
    lnUntreatedSbp: 27.82,
    lnAgeLnUntreatedSbp: -6.087,
    smoker: 0.691,
    diabetes: 0.874,
    baselineSurvival: 0.9533,
    meanSum: 86.61,
  },
  'white-male': {
    ...zero,
    lnAge: 12.344,
    lnTotalCholesterol: 11.853,
    lnAgeLnTotalCholesterol: -2.664,
    lnHdl: -7.99,
    lnAgeLnHdl: 1.769,
    lnTreatedSbp: 1.797,
    lnUntreatedSbp: 1.764,
    smoker: 7.837,
    lnAgeSmoker: -1.795,
    diabetes: 0.658,
    baselineSurvival: 0.9144,
    meanSum: 61.18,
  },
  'african-american-male': {
    ...zero,
    lnAge: 2.469,
    lnTotalCholesterol: 0.302,
    lnHdl: -0.307,
    lnTreatedSbp: 1.916,
    lnUntreatedSbp: 1.809,
    smoker: 0.549,
    diabetes: 0.645,
    baselineSurvival: 0.8954,
    meanSum: 19.54,
  },
};

/**
 * Checks the inputs against the equations' validated ranges.
 * @returns every problem found (empty when the inputs are usable).
 */
export function validateAscvdInput(input: Partial<AscvdInput>): AscvdInputIssue[] {
  const issues: AscvdInputIssue[] = [];
  for (const [field, [min, max]] of Object.entries(ASCVD_RANGES) as [
    keyof typeof ASCVD_RANGES,
    readonly [number, number],
  ][]) {
    const value = input[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ field, message: 'is required (a number)' });
    } else if (value < min || value > max) {
      issues.push({ field, message: `must be between ${min} and ${max} (got ${value})` });
    }
  }
  if (input.sex !== 'female' && input.sex !== 'male') {
    issues.push({ field: 'sex', message: 'must be "female" or "male"' });
  }
  if (input.race === undefined || !Object.values(AscvdRace).includes(input.race)) {
    issues.push({ field: 'race', message: 'must be "white", "african-american" or "other"' });
  }
  for (const field of ['treatedForHypertension', 'smoker', 'diabetic'] as const) {
    if (typeof input[field] !== 'boolean') {
      issues.push({ field, message: 'is required (true or false)' });
    }
  }
  return issues;
}

/** 2018 AHA/ACC cholesterol guideline risk categories. */
export function categorizeAscvdRisk(percent: number): AscvdRiskCategory {
  if (percent < 5) return AscvdRiskCategory.low;
  if (percent < 7.5) return AscvdRiskCategory.borderline;
  if (percent < 20) return AscvdRiskCategory.intermediate;
  return AscvdRiskCategory.high;
}

/** The threshold (percent) at which the 2013 guideline recommends statin therapy. */
export const STATIN_THRESHOLD_PERCENT = 7.5;

/**
 * Computes the 10-year ASCVD risk: `1 − S10^exp(individualSum − meanSum)`.
 *
 * @throws {AscvdInputError} when an input is missing or outside the validated ranges.
 * See: Goff 2013, Table A; "other" race uses the white equations.
 */
export function calculateAscvdRisk(input: AscvdInput): AscvdResult {
  const issues = validateAscvdInput(input);
  if (issues.length > 0) throw new AscvdInputError(issues);

  const race = input.race === 'african-american' ? 'african-american' : 'white';
  const cohort = `${race}-${input.sex}` as AscvdResult['cohort'];
  const c = COHORTS[cohort];
  const lnAge = Math.log(input.age);
  const lnTc = Math.log(input.totalCholesterol);
  const lnHdl = Math.log(input.hdlCholesterol);
  const lnSbp = Math.log(input.systolicBloodPressure);
  const smoker = input.smoker ? 1 : 0;

  const sbpTerm = input.treatedForHypertension
    ? c.lnTreatedSbp * lnSbp + c.lnAgeLnTreatedSbp * lnAge * lnSbp
    : c.lnUntreatedSbp * lnSbp + c.lnAgeLnUntreatedSbp * lnAge * lnSbp;
  const individualSum =
    c.lnAge * lnAge +
    c.lnAgeSquared * lnAge * lnAge +
    c.lnTotalCholesterol * lnTc +
    c.lnAgeLnTotalCholesterol * lnAge * lnTc +
    c.lnHdl * lnHdl +
    c.lnAgeLnHdl * lnAge * lnHdl +
    sbpTerm +
    c.smoker * smoker +
    c.lnAgeSmoker * lnAge * smoker +
    c.diabetes * (input.diabetic ? 1 : 0);

  const risk = 1 - Math.pow(c.baselineSurvival, Math.exp(individualSum - c.meanSum));
  const percent = Math.round(risk * 1000) / 10;
  return {
    risk,
    percent,
    category: categorizeAscvdRisk(percent),
    cohort,
    statinRecommended: percent >= STATIN_THRESHOLD_PERCENT && input.age <= 75,
    individualSum,
  };
}
