import { describe, expect, it } from 'vitest';

import {
  AscvdInputError,
  calculateAscvdRisk,
  categorizeAscvdRisk,
  validateAscvdInput,
  type AscvdInput,
} from './ascvd.js';

/** Goff 2013, Table A worked example: 55 years, TC 213, HDL 50, SBP 120 untreated, no smoking, no diabetes. */
const example: Omit<AscvdInput, 'sex' | 'race'> = {
  age: 55,
  totalCholesterol: 213,
  hdlCholesterol: 50,
  systolicBloodPressure: 120,
  treatedForHypertension: false,
  smoker: false,
  diabetic: false,
};

describe('2013 ACC/AHA Pooled Cohort Equations — Table A worked example', () => {
  it.each([
    ['white', 'female', -29.67, 2.1],
    ['african-american', 'female', 86.16, 3.0],
    ['white', 'male', 60.69, 5.3],
    ['african-american', 'male', 18.97, 6.1],
  ] as const)('%s %s: individual sum %d, risk %d%%', (race, sex, sum, percent) => {
    const result = calculateAscvdRisk({ ...example, race, sex });
    expect(result.individualSum).toBeCloseTo(sum, 1);
    // The paper rounds the individual sum to two decimals before exponentiating (white male:
    // 60.69 → 5.3%; unrounded 60.6995 → 5.38%), so allow 0.1 percentage point.
    expect(Math.abs(result.risk * 100 - percent)).toBeLessThan(0.1);
    expect(result.statinRecommended).toBe(false);
  });

  it('uses the white equations for other races', () => {
    const other = calculateAscvdRisk({ ...example, race: 'other', sex: 'male' });
    expect(other.cohort).toBe('white-male');
    expect(other.risk).toBe(calculateAscvdRisk({ ...example, race: 'white', sex: 'male' }).risk);
  });

  it('raises risk with smoking, diabetes and treated blood pressure, and recommends a statin at ≥7.5%', () => {
    const result = calculateAscvdRisk({
      ...example,
      race: 'white',
      sex: 'male',
      age: 62,
      totalCholesterol: 240,
      hdlCholesterol: 38,
      systolicBloodPressure: 148,
      treatedForHypertension: true,
      smoker: true,
      diabetic: true,
    });
    expect(result.percent).toBeGreaterThan(30);
    expect(result.category).toBe('high');
    expect(result.statinRecommended).toBe(true);
  });

  it('treated blood pressure gives a higher risk than the same untreated value', () => {
    const untreated = calculateAscvdRisk({
      ...example,
      race: 'african-american',
      sex: 'female',
      systolicBloodPressure: 150,
    });
    const treated = calculateAscvdRisk({
      ...example,
      race: 'african-american',
      sex: 'female',
      systolicBloodPressure: 150,
      treatedForHypertension: true,
    });
    expect(treated.risk).toBeGreaterThan(untreated.risk);
  });
});

describe('Pooled Cohort Equations — input validation', () => {
  it.each([
    ['age', 39],
    ['age', 80],
    ['totalCholesterol', 129],
    ['totalCholesterol', 321],
    ['hdlCholesterol', 19],
    ['hdlCholesterol', 101],
    ['systolicBloodPressure', 89],
    ['systolicBloodPressure', 201],
  ] as const)('%s = %d is outside the validated range', (field, value) => {
    const input = { ...example, race: 'white', sex: 'female', [field]: value } as AscvdInput;
    expect(() => calculateAscvdRisk(input)).toThrow(AscvdInputError);
    expect(validateAscvdInput(input)).toEqual([
      { field, message: expect.stringContaining(`(got ${value})`) },
    ]);
  });

  it('reports every missing field', () => {
    const issues = validateAscvdInput({});
    expect(issues.map((issue) => issue.field).sort()).toEqual(
      [
        'age',
        'diabetic',
        'hdlCholesterol',
        'race',
        'sex',
        'smoker',
        'systolicBloodPressure',
        'totalCholesterol',
        'treatedForHypertension',
      ].sort(),
    );
  });

  it.each([
    [4.9, 'low'],
    [5, 'borderline'],
    [7.5, 'intermediate'],
    [20, 'high'],
  ] as const)('%d%% is %s', (percent, category) => {
    expect(categorizeAscvdRisk(percent)).toBe(category);
  });
});
