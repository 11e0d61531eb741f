import { describe, expect, it } from 'vitest';

import {
  convertScopeDialect,
  expandWildcardScopes,
  normalizeGrantedScopeList,
} from './scope-dialect.js';

describe('convertScopeDialect — quirk row 15 (SCOPE-01, SCOPE-02) through @bedside/scopes', () => {
  it.each([
    [
      'v1 → v2',
      ['patient/Patient.read', 'user/Observation.write', 'patient/Encounter.*'],
      'v2',
      ['patient/Patient.rs', 'user/Observation.cud', 'patient/Encounter.cruds'],
    ],
    [
      'v2 → v1',
      ['patient/Patient.rs', 'user/Observation.cud'],
      'v1',
      ['patient/Patient.read', 'user/Observation.write'],
    ],
    [
      'non-resource scopes pass',
      ['launch', 'openid', 'fhirUser', 'offline_access'],
      'v1',
      ['launch', 'openid', 'fhirUser', 'offline_access'],
    ],
    [
      'vendor scopes pass as they are',
      ['athena/service/Athenanet.MDP.*', 'system/Patient.rs'],
      'v2',
      ['athena/service/Athenanet.MDP.*', 'system/Patient.rs'],
    ],
  ] as const)('%s', (_label, input, dialect, expected) => {
    expect(convertScopeDialect(input, dialect).scopes).toEqual(expected);
  });

  it('warns when v1 has to over-grant', () => {
    const result = convertScopeDialect(['patient/Observation.r'], 'v1');
    expect(result.scopes).toEqual(['patient/Observation.read']);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('v1 has no form');
  });
});

describe('expandWildcardScopes — quirk row 16', () => {
  it('spells a wildcard out per resource type and keeps the rest', () => {
    expect(expandWildcardScopes(['openid', 'patient/*.rs'], ['Patient', 'Observation'])).toEqual([
      'openid',
      'patient/Patient.rs',
      'patient/Observation.rs',
    ]);
  });
});

describe('normalizeGrantedScopeList — quirk rows 13-14 (SCOPE-04)', () => {
  it("Epic's trailing space and .Read/.read variants", () => {
    expect(
      normalizeGrantedScopeList('launch user/Binary.Read user/Binary.read patient/Patient.read '),
    ).toEqual(['launch', 'user/Binary.rs', 'patient/Patient.rs']);
  });

  it("Epic's API names map to user scopes and merge", () => {
    expect(
      normalizeGrantedScopeList('Patient.read Patient.search Observation.read ', {
        apiNameContext: 'user',
      }),
    ).toEqual(['user/Patient.rs', 'user/Observation.r']);
  });

  it('letters merge and covered scopes go', () => {
    expect(
      normalizeGrantedScopeList('patient/Observation.r patient/Observation.s patient/*.rs'),
    ).toEqual(['patient/*.rs']);
  });

  it('SCOPE-03: out-of-order letters are kept verbatim, never reinterpreted', () => {
    expect(normalizeGrantedScopeList('patient/Observation.dus openid')).toEqual([
      'openid',
      'patient/Observation.dus',
    ]);
  });

  it('an absent scope is an empty list', () => {
    expect(normalizeGrantedScopeList(undefined)).toEqual([]);
    expect(normalizeGrantedScopeList('   ')).toEqual([]);
  });
});
