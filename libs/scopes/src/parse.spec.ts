import { describe, expect, it } from 'vitest';

import { MAX_SCOPE_LENGTH, MAX_SCOPES_LENGTH, ScopeSyntaxError } from './errors.js';
import { parseScope, parseScopes, parseScopesLenient } from './parse.js';
import { permissionLetters } from './permissions.js';
import { serializeScope, serializeScopes } from './serialize.js';
import type { Scope } from './types.js';

const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const COND_CAT = 'http://terminology.hl7.org/CodeSystem/condition-category';
const US_CORE_COND = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';
const US_CORE_CAT = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category';

/** One line per scope, so tables stay readable: `clinical patient Observation rs v2 [f=v]`. */
function summarize(scope: Scope): string {
  switch (scope.kind) {
    case 'clinical': {
      const dialect = scope.dialect === 'v1' ? `v1:${scope.v1Permission}` : 'v2';
      const filters = scope.filters.map((f) => `${f.name}=${f.value}`).join('&');
      return `clinical ${scope.context} ${scope.resourceType} ${permissionLetters(scope.permissions)} ${dialect}${filters ? ` [${filters}]` : ''}`;
    }
    case 'launch':
      return `launch${scope.target === undefined ? '' : ` ${scope.target}`}${scope.role === undefined ? '' : ` role=${scope.role}`}`;
    case 'extension':
      return `extension ${scope.form} ${scope.raw}`;
    case 'unknown':
      return `unknown ${scope.raw}`;
    case 'openid':
    case 'fhirUser':
    case 'profile':
    case 'offline_access':
    case 'online_access':
      return scope.kind;
  }
}

describe('SMART App Launch 2.2 §scopes-and-launch-context — every example parses (SCOPE-01, -02, -05, -07)', () => {
  it.each([
    // Quick Start
    ['patient/*.rs', 'clinical patient * rs v2'],
    ['user/*.cruds', 'clinical user * cruds v2'],
    ['openid', 'openid'],
    ['fhirUser', 'fhirUser'],
    ['launch', 'launch'],
    ['launch/patient', 'launch patient'],
    ['offline_access', 'offline_access'],
    ['online_access', 'online_access'],
    // §Scopes for requesting clinical data (SCOPE-01)
    ['patient/Observation.cu', 'clinical patient Observation cu v2'],
    ['patient/Observation.rs', 'clinical patient Observation rs v2'],
    // v1 (SCOPE-02): read ⇒ rs, write ⇒ cud, * ⇒ cruds
    ['patient/Observation.read', 'clinical patient Observation rs v1:read'],
    ['patient/Observation.write', 'clinical patient Observation cud v1:write'],
    ['patient/Observation.*', 'clinical patient Observation cruds v1:*'],
    // §Patient-specific scopes
    ['patient/Patient.r', 'clinical patient Patient r v2'],
    ['patient/Observation.c', 'clinical patient Observation c v2'],
    ['patient/*.cruds', 'clinical patient * cruds v2'],
    // §User-level scopes
    ['user/Observation.rs', 'clinical user Observation rs v2'],
    ['user/Appointment.cruds', 'clinical user Appointment cruds v2'],
    ['user/Patient.rs', 'clinical user Patient rs v2'],
    // §System-level scopes
    ['system/Observation.rs', 'clinical system Observation rs v2'],
    ['system/*.rs', 'clinical system * rs v2'],
    ['system/Encounter.cud', 'clinical system Encounter cud v2'],
    // §Wildcard scopes: granted-scope examples
    ['patient/AllergyIntolerance.cruds', 'clinical patient AllergyIntolerance cruds v2'],
    ['patient/AllergyIntolerance.rs', 'clinical patient AllergyIntolerance rs v2'],
    ['patient/AllergyIntolerance.cud', 'clinical patient AllergyIntolerance cud v2'],
    // §Scope equivalence
    ['patient/Observation.r', 'clinical patient Observation r v2'],
    ['patient/Observation.s', 'clinical patient Observation s v2'],
    // SCOPE-03: `.rd` is a legal v2 scope (read + delete), unlike the misreading of `.read`
    ['patient/Observation.rd', 'clinical patient Observation rd v2'],
    // §Finer-grained resource constraints (SCOPE-05)
    [
      `patient/Observation.rs?category=${OBS_CAT}|laboratory`,
      `clinical patient Observation rs v2 [category=${OBS_CAT}|laboratory]`,
    ],
    // §Experimental features: modifiers and chains are kept as written
    [
      'patient/Observation.rs?code:in=http://valueset.example.org/ValueSet/diabetes-codes',
      'clinical patient Observation rs v2 [code:in=http://valueset.example.org/ValueSet/diabetes-codes]',
    ],
    [
      'patient/Observation.rs?patient.birthdate=1990',
      'clinical patient Observation rs v2 [patient.birthdate=1990]',
    ],
    // several &-joined parameters
    [
      `patient/Observation.rs?category=${OBS_CAT}|laboratory&status=final`,
      `clinical patient Observation rs v2 [category=${OBS_CAT}|laboratory&status=final]`,
    ],
    // §Standalone apps / LAUNCH-05, LAUNCH-08
    ['launch/encounter', 'launch encounter'],
    ['launch/diagnosticreport', 'launch diagnosticreport'],
    ['launch/imagingstudy', 'launch imagingstudy'],
    [
      'launch/encounter?role=https://example.org/roles/admission',
      'launch encounter role=https://example.org/roles/admission',
    ],
    // §Identity
    ['profile', 'profile'],
    // §Extensibility (LAUNCH-10)
    ['__profilePhoto.manage', 'extension underscore __profilePhoto.manage'],
    [
      'https://ehr.example.org/scopes/profilePhoto.manage',
      'extension uri https://ehr.example.org/scopes/profilePhoto.manage',
    ],
    // Appendix (SCOPE-09): a URI form on the wire is an extension, not reinterpreted
    [
      'http://smarthealthit.org/fhir/scopes/patient/*.r',
      'extension uri http://smarthealthit.org/fhir/scopes/patient/*.r',
    ],
    // STU1 (v1) examples
    ['patient/*.read', 'clinical patient * rs v1:read'],
    ['user/*.*', 'clinical user * cruds v1:*'],
    // The IG's own typo `patient.Immunization.read` has no `/`: kept verbatim, never reinterpreted
    ['patient.Immunization.read', 'unknown patient.Immunization.read'],
  ])('%s', (text, expected) => {
    const scope = parseScope(text);
    expect(summarize(scope)).toBe(expected);
    expect(serializeScope(scope)).toBe(text);
  });
});

describe('Conformance checklist — scope examples (SCOPE-06, -10, -11, LAUNCH-05, ehr-quirks)', () => {
  it.each([
    // SCOPE-06: g10 granular categories
    [`patient/Condition.rs?category=${COND_CAT}|encounter-diagnosis`, 'Condition'],
    [`patient/Condition.rs?category=${COND_CAT}|problem-list-item`, 'Condition'],
    [`patient/Condition.rs?category=${US_CORE_COND}|health-concern`, 'Condition'],
    [`patient/Observation.rs?category=${OBS_CAT}|laboratory`, 'Observation'],
    [`patient/Observation.rs?category=${OBS_CAT}|social-history`, 'Observation'],
    [`patient/Observation.rs?category=${OBS_CAT}|vital-signs`, 'Observation'],
    [`patient/Observation.rs?category=${OBS_CAT}|survey`, 'Observation'],
    [`patient/Observation.rs?category=${US_CORE_CAT}|sdoh`, 'Observation'],
  ])('SCOPE-06 %s', (text, type) => {
    const scope = parseScope(text);
    expect(scope).toMatchObject({ kind: 'clinical', resourceType: type, dialect: 'v2' });
    expect(serializeScope(scope)).toBe(text);
  });

  it.each([
    ['launch/patient openid fhirUser offline_access patient/*.rs', 5],
    ['launch openid fhirUser offline_access patient/*.rs', 5],
    ['launch openid fhirUser offline_access user/*.read', 5],
    ['system/*.read', 1],
    ['system/*.rs', 1],
    ['launch patient/Observation.rs patient/Patient.rs openid fhirUser', 5],
    ['launch/patient patient/*.rs __profilePhoto.manage', 3],
    // CDS Hooks fhirAuthorization examples (SMART 1.0 syntax)
    ['patient/*.* user/*.* launch openid profile online_access', 6],
    ['patient/Patient.read patient/Observation.read patient/Condition.read', 3],
    ['user/Patient.read', 1],
    // ehr-quirks: bulk export needs system/Group.read
    ['system/*.read system/Group.read', 2],
  ])('SCOPE-11 / token examples: %s', (text, count) => {
    const scopes = parseScopes(text);
    expect(scopes).toHaveLength(count);
    expect(serializeScopes(scopes)).toBe(text);
  });

  it('SCOPE-10: every v1/v2 shape the g10 format check accepts parses as clinical', () => {
    const g10 = /^(patient|user)\/[A-Za-z]+\.(read|\*|c?ru?d?s?)$/;
    for (const text of [
      'patient/Patient.read',
      'user/Condition.*',
      'patient/Goal.rs',
      'user/Encounter.cruds',
      'patient/Procedure.r',
    ]) {
      expect(g10.test(text)).toBe(true);
      expect(parseScope(text).kind).toBe('clinical');
    }
  });

  it.each([
    // ehr-quirks: vendor scopes are kept verbatim, never dropped
    ['Patient.read', 'unknown Patient.read'],
    ['Patient.search', 'unknown Patient.search'],
    ['epic.scanning.dmsusername', 'unknown epic.scanning.dmsusername'],
    ['athena/service/Athenanet.MDP.*', 'unknown athena/service/Athenanet.MDP.*'],
    ['system/Patient.read', 'clinical system Patient rs v1:read'],
    ['user/Binary.read', 'clinical user Binary rs v1:read'],
    // APPSTATE (IG-AS): a granular scope on Basic
    [
      'patient/Basic.cuds?code=https://app.example.org|keys',
      'clinical patient Basic cuds v2 [code=https://app.example.org|keys]',
    ],
    // ehr-quirks: v2 `.crus`
    ['patient/Condition.crus', 'clinical patient Condition crus v2'],
    // SL2 advertises v1 wildcards
    ['patient/*.*', 'clinical patient * cruds v1:*'],
  ])('vendor scope %s', (text, expected) => {
    const scope = parseScope(text);
    expect(summarize(scope)).toBe(expected);
    expect(serializeScope(scope)).toBe(text);
  });

  it('Epic echoes scopes with a trailing space: ignored, order kept', () => {
    expect(parseScopes('Patient.read Patient.search ').map(summarize)).toEqual([
      'unknown Patient.read',
      'unknown Patient.search',
    ]);
  });
});

describe('SCOPE-03 — malformed scopes raise a typed error naming position and rule', () => {
  it.each([
    // from the issue
    ['patient/Observation.dus', 'permissions_out_of_order', 21],
    ['patient/.rs', 'resource_type_missing', 8],
    ['user/Observation.rx', 'permission_unknown', 18],
    // more out-of-order / undefined permissions (never reinterpreted)
    ['patient/Observation.sr', 'permissions_out_of_order', 21],
    ['patient/Observation.rr', 'permission_repeated', 21],
    ['patient/Observation.Read', 'permission_unknown', 20],
    ['patient/Observation.READ', 'permission_unknown', 20],
    ['patient/Observation.search', 'permission_unknown', 21],
    // ehr-quirks: Epic echoes `user/Binary.Read` next to `user/Binary.read`; eCW `patient/X.search`
    ['user/Binary.Read', 'permission_unknown', 12],
    ['patient/Condition.search', 'permission_unknown', 19],
    ['patient/Observation.r*', 'permission_unknown', 21],
    ['patient/Observation.all', 'permission_unknown', 20],
    // empty segments
    ['patient/Observation.', 'permissions_missing', 20],
    ['patient/Observation', 'permissions_missing', 19],
    ['patient/', 'resource_type_missing', 8],
    ['patient//Observation.rs', 'resource_type_missing', 8],
    ['patient/?x=y', 'resource_type_missing', 8],
    ['/Observation.rs', 'context_invalid', 0],
    ['patient/Observation.rs?', 'filter_empty', 23],
    ['patient/Observation.rs?&status=final', 'filter_empty', 23],
    ['patient/Observation.rs?status=final&&code=1', 'filter_empty', 36],
    ['patient/Observation.rs?status=final&', 'filter_empty', 36],
    ['patient/Observation.rs?=final', 'filter_name_missing', 23],
    ['patient/Observation.rs?status=', 'filter_value_missing', 30],
    ['patient/Observation.rs?status', 'filter_value_missing', 29],
    ['patient/Observation.rs?sta?tus=x', 'filter_name_invalid', 26],
    ['launch/', 'launch_target_missing', 7],
    ['launch/?role=https://x.org/r', 'launch_target_missing', 7],
    // grammar violations
    ['patient/observation.rs', 'resource_type_invalid', 8],
    ['patient/O.rs', 'resource_type_invalid', 8],
    ['patient/Obs-ervation.rs', 'resource_type_invalid', 11],
    ['patient/*x.rs', 'resource_type_invalid', 9],
    ['Patient/Observation.rs', 'context_invalid', 0],
    ['SYSTEM/*.rs', 'context_invalid', 0],
    ['patient/Observation.read?category=x', 'filter_with_v1', 24],
    ['launch/Patient', 'launch_target_invalid', 7],
    ['launch/patient/x', 'launch_target_invalid', 14],
    ['launch/patient?x=y', 'launch_parameter_invalid', 15],
    ['launch/patient?role=a&role=b', 'launch_parameter_invalid', 21],
    ['launch/patient?role=', 'launch_role_invalid', 20],
    ['launch/patient?role=not-a-uri', 'launch_role_invalid', 20],
    // control characters and other characters RFC 6749 §3.3 excludes
    ['patient/Obs\u0000ervation.rs', 'invalid_character', 11],
    ['patient/Observation.rs\n', 'invalid_character', 22],
    ['\tpatient/Observation.rs', 'invalid_character', 0],
    ['patient/Observation.rs?code="x"', 'invalid_character', 28],
    ['patient/Observation.rs?code=a\\,b', 'invalid_character', 29],
    ['patient/Observation.rs?code=é', 'invalid_character', 28],
    ['patient/Observation.rs\u007f', 'invalid_character', 22],
    ['openid profile', 'invalid_character', 6],
    ['', 'empty', 0],
    // a 10 KB string
    ['x'.repeat(10 * 1024), 'too_long', MAX_SCOPE_LENGTH],
    [`patient/Observation.rs?code=${'a'.repeat(10 * 1024)}`, 'too_long', MAX_SCOPE_LENGTH],
  ])('%j → %s at %i', (text, code, position) => {
    let caught: unknown;
    try {
      parseScope(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScopeSyntaxError);
    const error = caught as ScopeSyntaxError;
    expect({ code: error.code, position: error.position, scope: error.scope }).toEqual({
      code,
      position,
      scope: text,
    });
    expect(error.rule).toMatch(/\S/);
    expect(error.name).toBe('ScopeSyntaxError');
    expect(error.message).toContain(`at position ${position} (${code})`);
    expect(error.message).toContain(error.rule);
  });

  it('messages are exact and printable', () => {
    expect(() => parseScope('patient/Observation.dus')).toThrow(
      'Invalid scope "patient/Observation.dus" at position 21 (permissions_out_of_order): ' +
        "'u' comes after 'd'; SCOPE-01/SCOPE-03: permission letters appear in the order c r u d s",
    );
    expect(() => parseScope('user/Observation.rx')).toThrow(
      'Invalid scope "user/Observation.rx" at position 18 (permission_unknown): ' +
        "'x' is not one of c r u d s; SCOPE-01/SCOPE-02: permissions are letters from c r u d s (v2) or read, write, * (v1)",
    );
    expect(() => parseScope('patient/Observation.Read')).toThrow(
      "v1 permissions are lowercase: 'read', not 'Read'",
    );
    expect(() => parseScope('patient/Obs\u0001.rs')).toThrow(
      'Invalid scope "patient/Obs\\u0001.rs" at position 11 (invalid_character): control character U+0001',
    );
    const long = 'x'.repeat(10 * 1024);
    expect(() => parseScope(long)).toThrow(
      `Invalid scope "${'x'.repeat(77)}..." at position 1024 (too_long): 10240 characters`,
    );
  });
});

describe('RFC 6749 §3.3 — parseScopes (space-separated lists)', () => {
  it('splits on single and multiple spaces, keeps order and duplicates', () => {
    expect(parseScopes('  openid   fhirUser openid ').map(summarize)).toEqual([
      'openid',
      'fhirUser',
      'openid',
    ]);
  });

  it('"" is an empty grant (SCOPE-04)', () => {
    expect(parseScopes('')).toEqual([]);
    expect(parseScopes('   ')).toEqual([]);
  });

  it('a malformed member throws naming its position in the whole string', () => {
    const text = 'launch openid  patient/Observation.dus';
    let error: ScopeSyntaxError | undefined;
    try {
      parseScopes(text);
    } catch (e) {
      error = e as ScopeSyntaxError;
    }
    expect(error).toBeInstanceOf(ScopeSyntaxError);
    expect(error?.code).toBe('permissions_out_of_order');
    expect(error?.position).toBe(text.indexOf('.dus') + 2);
    expect(error?.scope).toBe('patient/Observation.dus');
    expect(error?.message).toContain(`at position ${text.indexOf('.dus') + 2} `);
  });

  it('a tab is not a separator: it is an invalid character in its token', () => {
    expect(() => parseScopes('openid\tfhirUser')).toThrow(
      expect.objectContaining({ code: 'invalid_character', position: 6 }),
    );
  });

  it('refuses a string longer than MAX_SCOPES_LENGTH', () => {
    const text = 'openid '.repeat(MAX_SCOPES_LENGTH / 7 + 1);
    expect(() => parseScopes(text)).toThrow(
      expect.objectContaining({ code: 'too_long', position: MAX_SCOPES_LENGTH }),
    );
  });
});

describe('SCOPE-03 — parseScopesLenient sets malformed scopes aside', () => {
  it('keeps the good ones in order and reports each bad one with its position', () => {
    const text =
      'launch patient/Observation.dus openid patient/.rs Patient.read patient/Patient.rs';
    const { scopes, rejected } = parseScopesLenient(text);
    expect(scopes.map(summarize)).toEqual([
      'launch',
      'openid',
      'unknown Patient.read',
      'clinical patient Patient rs v2',
    ]);
    expect(rejected.map((r) => [r.text, r.error.code, r.error.position])).toEqual([
      ['patient/Observation.dus', 'permissions_out_of_order', text.indexOf('.dus') + 2],
      ['patient/.rs', 'resource_type_missing', text.indexOf('/.rs') + 1],
    ]);
  });

  it('an over-long string is rejected as a whole, without throwing', () => {
    const text = 'a '.repeat(MAX_SCOPES_LENGTH);
    const result = parseScopesLenient(text);
    expect(result.scopes).toEqual([]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.error.code).toBe('too_long');
  });
});
