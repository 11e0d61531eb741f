import { describe, expect, it } from 'vitest';

import type { Observation } from '@bedside/fhir-model';

import { ageInYears, recentLabs, vitalCharts } from './summary';

const loinc = (code: string, display = code) => ({
  coding: [{ system: 'http://loinc.org', code, display }],
});
const obs = (
  code: string,
  value: number,
  when: string,
  extra: Partial<Observation> = {},
): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: loinc(code, extra.code ? '' : `Test ${code}`),
  effectiveDateTime: when,
  valueQuantity: { value, unit: 'u' },
  ...extra,
});

describe('summary view models', () => {
  it('charts vitals oldest first, splitting blood-pressure panels into two series', () => {
    const charts = vitalCharts([
      obs('8867-4', 80, '2026-02-01'),
      obs('8867-4', 70, '2026-01-01'),
      {
        resourceType: 'Observation',
        status: 'final',
        code: loinc('85354-9'),
        effectiveDateTime: '2026-01-15',
        component: [
          { code: loinc('8480-6'), valueQuantity: { value: 130 } },
          { code: loinc('8462-4'), valueQuantity: { value: 85 } },
        ],
      },
    ]);
    expect(charts.heartRate[0]?.points.map((point) => point.value)).toEqual([70, 80]);
    expect(charts.bloodPressure.map((series) => series.points.map((point) => point.value))).toEqual(
      [[130], [85]],
    );
    expect(charts.weight[0]?.points).toEqual([]);
  });

  it('shows the latest lab per test with the previous value, range and flag, HbA1c first', () => {
    const range = [{ low: { value: 4, unit: '%' }, high: { value: 5.6, unit: '%' } }];
    const rows = recentLabs([
      obs('2093-3', 180, '2026-01-01'),
      obs('4548-4', 6.1, '2025-06-01', { referenceRange: range }),
      obs('4548-4', 7.4, '2026-03-01', { referenceRange: range }),
    ]);
    expect(rows.map((row) => [row.code, row.value, row.previous, row.flag, row.range])).toEqual([
      ['4548-4', '7.4', '6.1', 'high', '4–5.6 %'],
      ['2093-3', '180', undefined, undefined, ''],
    ]);
  });

  it.each([
    ['1949-01-08', 77],
    ['1949-11-28', 77],
    ['1949-11-29', 76],
    ['1980', 46],
    [undefined, undefined],
    ['not a date', undefined],
  ] as const)('age from %s', (birthDate, age) => {
    expect(ageInYears(birthDate, new Date('2026-11-28T12:00:00Z'))).toBe(age);
  });
});
