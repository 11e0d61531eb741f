import { describe, expect, it } from 'vitest';

import { parseScopes } from './parse.js';
import { serializeScope, serializeScopes } from './serialize.js';
import {
  compareScopes,
  intersectScopes,
  isSubset,
  minimalScopes,
  normalizeScopes,
  UnmappedOperationError,
  unionScopes,
} from './set-operations.js';
import type { IntendedOperation } from './set-operations.js';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';
const OBS = 'http://terminology.hl7.org/CodeSystem/observation-category';

const s = parseScopes;
const text = (scopes: Parameters<typeof serializeScopes>[0]) => serializeScopes(scopes);

describe('SCOPE-04 §wildcard-scopes — compareScopes on the IG granted-scope examples', () => {
  const requested = s('patient/AllergyIntolerance.cruds');
  it.each([
    ['patient/AllergyIntolerance.cruds', 'granted'],
    ['patient/AllergyIntolerance.rs patient/AllergyIntolerance.cud', 'granted'],
    ['patient/AllergyIntolerance.rs', 'narrowed'],
    ['patient/AllergyIntolerance.cud', 'narrowed'],
    ['patient/*.rs', 'narrowed'],
    ['patient/*.cruds', 'granted'],
    ['patient/Observation.rs', 'denied'],
    ['', 'denied'],
  ])('granted %j → %s', (granted, verdict) => {
    const result = compareScopes(requested, s(granted));
    const where = result.granted.length ? 'granted' : result.denied.length ? 'denied' : 'narrowed';
    expect(where).toBe(verdict);
  });

  it('narrowed entries list the overlapping granted scopes; unrequested lists extras', () => {
    const result = compareScopes(
      s('launch openid fhirUser patient/AllergyIntolerance.cruds patient/Observation.rs'),
      s('launch openid patient/AllergyIntolerance.rs patient/Condition.rs'),
    );
    expect(text(result.granted)).toBe('launch openid');
    expect(text(result.denied)).toBe('fhirUser patient/Observation.rs');
    expect(result.narrowed.map((n) => [serializeScope(n.requested), text(n.granted)])).toEqual([
      ['patient/AllergyIntolerance.cruds', 'patient/AllergyIntolerance.rs'],
    ]);
    expect(text(result.unrequested)).toBe('patient/Condition.rs');
  });

  it('SCOPE-06: a resource-level request answered with granular scopes is narrowed', () => {
    const result = compareScopes(
      s('patient/Observation.rs'),
      s(`patient/Observation.rs?category=${LAB} patient/Observation.rs?category=${VITALS}`),
    );
    expect(result.narrowed).toHaveLength(1);
    expect(text(result.narrowed[0]?.granted ?? [])).toBe(
      `patient/Observation.rs?category=${LAB} patient/Observation.rs?category=${VITALS}`,
    );
  });

  it('a granular request with a disjoint granular grant is denied', () => {
    const result = compareScopes(
      s(`patient/Observation.rs?category=${LAB}`),
      s(`patient/Observation.rs?category=${VITALS}`),
    );
    expect(text(result.denied)).toBe(`patient/Observation.rs?category=${LAB}`);
  });
});

describe('SCOPE-04 — isSubset (every access a allows, b allows)', () => {
  it.each([
    ['patient/Observation.rs', 'patient/Observation.r patient/Observation.s', true],
    ['patient/Observation.read', 'patient/Observation.rs', true],
    ['patient/Observation.rs', 'patient/Observation.read', true],
    ['patient/Observation.rs', 'patient/*.rs', true],
    ['patient/*.rs', 'patient/Observation.rs', false],
    ['patient/Observation.rs', 'user/Observation.rs', false],
    ['patient/Observation.cruds', 'patient/Observation.rs', false],
    [`patient/Observation.rs?category=${LAB}`, 'patient/Observation.rs', true],
    ['patient/Observation.rs', `patient/Observation.rs?category=${LAB}`, false],
    [
      `patient/Observation.rs?category=${LAB}&status=final`,
      `patient/Observation.rs?category=${LAB}`,
      true,
    ],
    [
      `patient/Observation.rs?category=${LAB}`,
      `patient/Observation.rs?category=${LAB}&status=final`,
      false,
    ],
    [`patient/Observation.rs?category=${LAB}`, `patient/Observation.rs?category=${OBS}|`, true],
    [
      `patient/Observation.rs?category=${LAB},${VITALS}`,
      `patient/Observation.rs?category=${LAB} patient/Observation.rs?category=${VITALS}`,
      true,
    ],
    [
      `patient/Observation.rs?category=${LAB},${OBS}|survey`,
      `patient/Observation.rs?category=${LAB}`,
      false,
    ],
    ['launch/patient openid', 'openid launch/patient fhirUser', true],
    ['launch/patient', 'launch', false],
    ['__x', '__x', true],
    ['', '', true],
  ])('%s ⊆ %s → %s', (a, b, expected) => {
    expect(isSubset(s(a), s(b))).toBe(expected);
  });
});

describe('SCOPE-04 §scope-equivalence — normalizeScopes, unionScopes, intersectScopes', () => {
  it.each([
    ['patient/Observation.r patient/Observation.s', 'patient/Observation.rs'],
    ['patient/Observation.read patient/Observation.write', 'patient/Observation.*'],
    ['patient/Observation.read patient/Observation.c', 'patient/Observation.crs'],
    ['patient/Observation.rs patient/*.rs', 'patient/*.rs'],
    ['patient/*.r patient/Observation.rs', 'patient/*.r patient/Observation.rs'],
    [
      'openid openid launch patient/Patient.rs patient/Patient.rs',
      'openid launch patient/Patient.rs',
    ],
    [`patient/Observation.rs?category=${LAB} patient/Observation.rs`, 'patient/Observation.rs'],
    [
      `patient/Observation.rs?category=${LAB}&status=final patient/Observation.rs?status=final&category=${LAB}`,
      `patient/Observation.rs?category=${LAB}&status=final`,
    ],
    ['Patient.read Patient.read', 'Patient.read'],
  ])('%s → %s', (input, expected) => {
    expect(text(normalizeScopes(s(input)))).toBe(expected);
  });

  it('unionScopes merges lists', () => {
    expect(
      text(
        unionScopes(s('openid patient/Observation.r'), s('patient/Observation.s fhirUser openid')),
      ),
    ).toBe('openid patient/Observation.rs fhirUser');
  });

  it.each([
    ['patient/*.cruds', 'patient/Observation.rs', 'patient/Observation.rs'],
    [
      'patient/*.rs',
      'patient/Observation.cruds patient/Condition.read',
      'patient/Observation.rs patient/Condition.rs',
    ],
    ['patient/Observation.read', 'patient/Observation.read', 'patient/Observation.read'],
    ['patient/Observation.read', 'patient/Observation.write', ''],
    ['patient/Observation.rs', 'user/Observation.rs', ''],
    ['patient/*.rs', 'patient/*.r', 'patient/*.r'],
    [
      `patient/Observation.rs`,
      `patient/Observation.rs?category=${LAB}`,
      `patient/Observation.rs?category=${LAB}`,
    ],
    [
      `patient/Observation.rs?category=${LAB}`,
      `patient/Observation.rs?status=final`,
      `patient/Observation.rs?category=${LAB}&status=final`,
    ],
    [`patient/Observation.rs?category=${LAB}`, `patient/Observation.rs?category=${VITALS}`, ''],
    ['openid launch fhirUser', 'fhirUser openid', 'openid fhirUser'],
  ])('%s ∩ %s → %s', (a, b, expected) => {
    expect(text(intersectScopes(s(a), s(b)))).toBe(expected);
  });
});

describe('SCOPE-04 — minimalScopes (shortest v2 set for intended operations)', () => {
  const ops: IntendedOperation[] = [
    { context: 'patient', resourceType: 'Patient', interaction: 'read' },
    { context: 'patient', resourceType: 'Observation', interaction: 'search' },
    { context: 'patient', resourceType: 'Observation', interaction: 'read' },
    { context: 'patient', resourceType: 'Observation', interaction: 'create' },
    { context: 'patient', resourceType: 'Condition', interaction: 'search' },
    { context: 'patient', resourceType: 'Condition', interaction: 'vread' },
    { context: 'patient', resourceType: 'Condition', interaction: 'patch' },
    { context: 'patient', resourceType: 'Condition', interaction: 'update' },
    { context: 'user', resourceType: 'Practitioner', interaction: 'read' },
    {
      context: 'patient',
      resourceType: 'Patient',
      interaction: 'operation',
      operation: '$everything',
    },
  ];

  it('merges letters per context and type, in order of first use', () => {
    expect(text(minimalScopes(ops))).toBe(
      'patient/Patient.r patient/Observation.crs patient/Condition.rus user/Practitioner.r',
    );
  });

  it('uses a wildcard only when asked', () => {
    expect(text(minimalScopes(ops, { wildcard: 'always' }))).toBe('patient/*.crus user/*.r');
    const many: IntendedOperation[] = ['Observation', 'Condition', 'Procedure', 'Goal'].map(
      (resourceType) => ({ context: 'patient', resourceType, interaction: 'read' }),
    );
    expect(
      text(
        minimalScopes(
          [...many, { context: 'patient', resourceType: 'Goal', interaction: 'delete' }],
          { wildcard: { minTypes: 3 } },
        ),
      ),
    ).toBe('patient/*.r patient/Goal.rd');
    expect(text(minimalScopes(many, { wildcard: { minTypes: 5 } }))).toBe(
      'patient/Observation.r patient/Condition.r patient/Procedure.r patient/Goal.r',
    );
  });

  it('system-level interactions on * give a wildcard', () => {
    expect(
      text(
        minimalScopes([
          { context: 'system', resourceType: '*', interaction: 'operation', operation: '$export' },
          { context: 'system', resourceType: 'Patient', interaction: 'read' },
        ]),
      ),
    ).toBe('system/*.s system/Patient.r');
  });

  it('an unmapped operation is an error; operations can be mapped', () => {
    const op: IntendedOperation = {
      context: 'patient',
      resourceType: 'Observation',
      interaction: 'operation',
      operation: '$stats',
    };
    expect(() => minimalScopes([op])).toThrow(UnmappedOperationError);
    expect(() => minimalScopes([op])).toThrow(
      'operation $stats has no permission mapping; pass it in the operations option',
    );
    expect(text(minimalScopes([op], { operations: { $stats: 'rs' } }))).toBe(
      'patient/Observation.rs',
    );
  });

  it('operation names inherited from Object.prototype are not mapped; unknown interactions throw', () => {
    expect(() =>
      minimalScopes([
        {
          context: 'patient',
          resourceType: 'Patient',
          interaction: 'operation',
          operation: 'constructor',
        },
      ]),
    ).toThrow(UnmappedOperationError);
    expect(() =>
      minimalScopes([
        { context: 'patient', resourceType: 'Patient', interaction: 'purge' as 'read' },
      ]),
    ).toThrow(new TypeError("unknown interaction 'purge'"));
  });

  it('an empty list needs no scopes', () => {
    expect(minimalScopes([])).toEqual([]);
  });
});
