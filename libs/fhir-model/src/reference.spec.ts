import { describe, expect, it } from 'vitest';

import { isValidId, parseReference } from './reference.js';

describe('FHIR R4 §3.3.1 — literal references', () => {
  it.each([
    ['Patient/123', { resourceType: 'Patient', id: '123' }],
    ['Observation/a.b-c/_history/7', { resourceType: 'Observation', id: 'a.b-c', versionId: '7' }],
    [
      'https://ehr.example.org/fhir/r4/Practitioner/p1',
      { resourceType: 'Practitioner', id: 'p1', baseUrl: 'https://ehr.example.org/fhir/r4' },
    ],
    [
      'http://localhost:4000/fhir/Patient/x/_history/2',
      { resourceType: 'Patient', id: 'x', versionId: '2', baseUrl: 'http://localhost:4000/fhir' },
    ],
  ])('parses %s', (reference, expected) => {
    expect(parseReference(reference)).toEqual(expected);
  });

  it.each([
    '#contained',
    'urn:uuid:1234',
    'patient/1',
    'Patient/',
    'Patient/a b',
    'Patient/1/2',
    'Patient/1/_history',
    `Patient/${'x'.repeat(65)}`,
    'http://[bad',
  ])('refuses %s', (reference) => {
    expect(parseReference(reference)).toBeUndefined();
  });

  it('validates ids per the id datatype', () => {
    expect(isValidId('A-1.b')).toBe(true);
    expect(isValidId('a_b')).toBe(false);
    expect(isValidId('x'.repeat(64))).toBe(true);
    expect(isValidId('x'.repeat(65))).toBe(false);
  });
});
