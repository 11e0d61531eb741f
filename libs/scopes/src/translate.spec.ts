import { describe, expect, it } from 'vitest';

import { parseScope, parseScopes } from './parse.js';
import { serializeScope, serializeScopes } from './serialize.js';
import { toV1, toV2, translateScopes } from './translate.js';

describe('SCOPE-02 — v1 → v2 (read = rs, write = cud, * = cruds)', () => {
  it.each([
    ['patient/Observation.read', 'patient/Observation.rs'],
    ['user/*.write', 'user/*.cud'],
    ['system/*.*', 'system/*.cruds'],
    ['patient/Observation.rs', 'patient/Observation.rs'],
    ['launch/patient', 'launch/patient'],
    ['Patient.read', 'Patient.read'],
  ])('%s → %s (exact)', (from, to) => {
    const result = toV2(parseScope(from));
    expect(serializeScope(result.scope)).toBe(to);
    expect(result.exact).toBe(true);
    expect(result.reason).toBeUndefined();
  });
});

describe('SCOPE-02, SCOPE-05 — v2 → v1 says what cannot be translated exactly', () => {
  it.each([
    ['patient/Observation.rs', 'patient/Observation.read', undefined],
    ['patient/Observation.cud', 'patient/Observation.write', undefined],
    ['patient/Observation.cruds', 'patient/Observation.*', undefined],
    ['patient/Observation.read', 'patient/Observation.read', undefined],
    ['openid', 'openid', undefined],
    [
      'patient/Observation.r',
      'patient/Observation.read',
      "v1 has no form for 'r'; 'read' also grants 's'",
    ],
    [
      'patient/Observation.s',
      'patient/Observation.read',
      "v1 has no form for 's'; 'read' also grants 'r'",
    ],
    [
      'patient/Observation.c',
      'patient/Observation.write',
      "v1 has no form for 'c'; 'write' also grants 'ud'",
    ],
    [
      'patient/Observation.cu',
      'patient/Observation.write',
      "v1 has no form for 'cu'; 'write' also grants 'd'",
    ],
    [
      'patient/Observation.crs',
      'patient/Observation.*',
      "v1 has no form for 'crs'; '*' also grants 'ud'",
    ],
    [
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
      'patient/Observation.read',
      'granular filters (category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory) have no v1 form; the v1 scope covers every Observation',
    ],
    [
      'patient/*.r?status=final',
      'patient/*.read',
      "v1 has no form for 'r'; 'read' also grants 's'; granular filters (status=final) have no v1 form; the v1 scope covers every resource",
    ],
  ])('%s → %s', (from, to, reason) => {
    const result = toV1(parseScope(from));
    expect(serializeScope(result.scope)).toBe(to);
    expect(result.exact).toBe(reason === undefined);
    expect(result.reason).toBe(reason);
  });
});

describe('SCOPE-02, SCOPE-04 — translateScopes (whole lists, for one-dialect EHRs)', () => {
  it('merges letters before translating, so split v2 scopes can translate exactly', () => {
    const result = translateScopes(
      parseScopes(
        'launch patient/Observation.r openid patient/Observation.s patient/Condition.cud',
      ),
      'v1',
    );
    expect(serializeScopes(result.scopes)).toBe(
      'launch patient/Observation.read openid patient/Condition.write',
    );
    expect(result.exact).toBe(true);
    expect(result.inexact).toEqual([]);
  });

  it('splits masks across read and write and reports the over-grant', () => {
    const result = translateScopes(parseScopes('patient/Condition.crus patient/Goal.rds'), 'v1');
    expect(serializeScopes(result.scopes)).toBe('patient/Condition.* patient/Goal.*');
    expect(result.exact).toBe(false);
    expect(result.inexact.map((i) => i.reason)).toEqual([
      "patient/Condition.crus: v1 has no form for 'cu'; 'write' also grants 'd'",
      "patient/Goal.rds: v1 has no form for 'd'; 'write' also grants 'cu'",
    ]);
  });

  it('v2 translation is always exact', () => {
    const result = translateScopes(parseScopes('patient/*.read user/Patient.* openid'), 'v2');
    expect(serializeScopes(result.scopes)).toBe('patient/*.rs user/Patient.cruds openid');
    expect(result.exact).toBe(true);
  });
});
