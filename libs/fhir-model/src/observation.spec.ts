import { describe, expect, it } from 'vitest';

import { bundleResources, nextLink } from './bundle.js';
import {
  componentQuantity,
  conceptText,
  effectiveTime,
  formatReferenceRange,
  hasCoding,
  resultFlag,
} from './observation.js';
import type { Bundle, Observation } from './types.js';
import { CodeSystem, VitalSign } from './us-core.js';

const a1c = (value: number, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: CodeSystem.loinc, code: '4548-4', display: 'Hemoglobin A1c' }] },
  valueQuantity: { value, unit: '%' },
  referenceRange: [{ low: { value: 4, unit: '%' }, high: { value: 5.6, unit: '%' } }],
  ...extra,
});

describe('FHIR R4 §Observation — values, ranges and flags', () => {
  it.each([
    [3.5, 'low'],
    [5.0, 'normal'],
    [5.6, 'normal'],
    [8.1, 'high'],
  ] as const)('flags %d%% against 4–5.6 as %s', (value, flag) => {
    expect(resultFlag(a1c(value))).toBe(flag);
  });

  it('prefers the server interpretation to the range', () => {
    const critical = a1c(5, {
      interpretation: [{ coding: [{ system: CodeSystem.observationInterpretation, code: 'HH' }] }],
    });
    expect(resultFlag(critical)).toBe('critical-high');
  });

  it('has no flag without a value or a range', () => {
    expect(resultFlag({ resourceType: 'Observation', status: 'final', code: {} })).toBeUndefined();
  });

  it('formats ranges', () => {
    expect(
      formatReferenceRange({ low: { value: 4, unit: '%' }, high: { value: 5.6, unit: '%' } }),
    ).toBe('4–5.6 %');
    expect(formatReferenceRange({ high: { value: 200, unit: 'mg/dL' } })).toBe('≤ 200 mg/dL');
    expect(formatReferenceRange({ text: 'negative' })).toBe('negative');
    expect(formatReferenceRange(undefined)).toBe('');
  });

  it('reads blood-pressure components and effective times', () => {
    const bp: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: CodeSystem.loinc, code: VitalSign.bloodPressurePanel }] },
      effectivePeriod: { start: '2026-01-02T10:00:00Z' },
      component: [
        {
          code: { coding: [{ system: CodeSystem.loinc, code: VitalSign.systolic }] },
          valueQuantity: { value: 128 },
        },
        {
          code: { coding: [{ system: CodeSystem.loinc, code: VitalSign.diastolic }] },
          valueQuantity: { value: 82 },
        },
      ],
    };
    expect(componentQuantity(bp, CodeSystem.loinc, VitalSign.systolic)?.value).toBe(128);
    expect(componentQuantity(bp, CodeSystem.loinc, VitalSign.diastolic)?.value).toBe(82);
    expect(componentQuantity(bp, CodeSystem.loinc, VitalSign.heartRate)).toBeUndefined();
    expect(effectiveTime(bp)).toBe('2026-01-02T10:00:00Z');
    expect(hasCoding(bp.code, CodeSystem.loinc, VitalSign.bloodPressurePanel)).toBe(true);
  });

  it('names concepts by text, display or code', () => {
    expect(conceptText({ text: 'BP' })).toBe('BP');
    expect(conceptText({ coding: [{ code: 'x' }, { code: 'y', display: 'Why' }] })).toBe('Why');
    expect(conceptText({ coding: [{ code: 'x' }] })).toBe('x');
    expect(conceptText(undefined)).toBe('');
  });
});

describe('FHIR R4 §Bundle — searchset entries and paging', () => {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [
      { relation: 'self', url: 'http://x/Observation?patient=1' },
      { relation: 'next', url: 'http://x/Observation?patient=1&_cursor=2' },
    ],
    entry: [
      { resource: { resourceType: 'Observation', id: 'o1' }, search: { mode: 'match' } },
      { resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'include' } },
      { resource: { resourceType: 'OperationOutcome' }, search: { mode: 'outcome' } },
      { resource: { resourceType: 'Observation', id: 'o2' } },
    ],
  };

  it('keeps matches only', () => {
    expect(bundleResources(bundle).map((resource) => resource.id)).toEqual(['o1', 'o2']);
    expect(bundleResources(bundle, 'Patient')).toEqual([]);
    expect(bundleResources(undefined)).toEqual([]);
  });

  it('finds the next page', () => {
    expect(nextLink(bundle)).toBe('http://x/Observation?patient=1&_cursor=2');
    expect(nextLink({ resourceType: 'Bundle', type: 'searchset' })).toBeUndefined();
  });
});
