import { describe, expect, it } from 'vitest';

import { createClinicalScope } from './clinical.js';
import { ScopeSyntaxError } from './errors.js';
import { parseScope, parseScopes } from './parse.js';
import { parseScopeUri, serializeScope, serializeScopes, toScopeUri } from './serialize.js';
import type { Scope } from './types.js';

describe('SMART App Launch 2.2 §clinical-scope-syntax — serializeScope', () => {
  it.each<[Scope, string]>([
    [
      createClinicalScope({ context: 'patient', resourceType: 'Observation', permissions: 'rs' }),
      'patient/Observation.rs',
    ],
    [createClinicalScope({ context: 'user', resourceType: '*', permissions: 31 }), 'user/*.cruds'],
    [
      createClinicalScope({
        context: 'system',
        resourceType: '*',
        permissions: 'rs',
        dialect: 'v1',
      }),
      'system/*.read',
    ],
    [
      createClinicalScope({
        context: 'patient',
        resourceType: 'Goal',
        permissions: 'cud',
        dialect: 'v1',
      }),
      'patient/Goal.write',
    ],
    [
      createClinicalScope({
        context: 'patient',
        resourceType: 'Goal',
        permissions: 'cruds',
        dialect: 'v1',
      }),
      'patient/Goal.*',
    ],
    [
      createClinicalScope({
        context: 'patient',
        resourceType: 'Observation',
        permissions: 'rs',
        filters: [
          {
            name: 'category',
            value: 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
          },
          { name: 'status', value: 'final' },
        ],
      }),
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory&status=final',
    ],
    [{ kind: 'launch', target: undefined, role: undefined }, 'launch'],
    [
      { kind: 'launch', target: 'encounter', role: 'https://example.org/r' },
      'launch/encounter?role=https://example.org/r',
    ],
    [{ kind: 'openid' }, 'openid'],
    [{ kind: 'fhirUser' }, 'fhirUser'],
    [{ kind: 'profile' }, 'profile'],
    [{ kind: 'offline_access' }, 'offline_access'],
    [{ kind: 'online_access' }, 'online_access'],
    [{ kind: 'extension', raw: '__darkMode.read', form: 'underscore' }, '__darkMode.read'],
    [{ kind: 'unknown', raw: 'epic.scanning.dmsusername' }, 'epic.scanning.dmsusername'],
  ])('%j → %s', (scope, text) => {
    expect(serializeScope(scope)).toBe(text);
  });

  it.each<[Scope, string]>([
    [
      createClinicalScope({ context: 'patient', resourceType: 'Observation', permissions: 0 }),
      'permissions_missing',
    ],
    [
      createClinicalScope({
        context: 'patient',
        resourceType: 'Observation',
        permissions: 'r',
        dialect: 'v1',
      }),
      'permissions_not_v1',
    ],
    [
      {
        ...createClinicalScope({
          context: 'patient',
          resourceType: 'Observation',
          permissions: 'rs',
          dialect: 'v1',
        }),
        v1Permission: 'write',
      },
      'permissions_not_v1',
    ],
    [
      createClinicalScope({ context: 'patient', resourceType: 'observation', permissions: 'rs' }),
      'resource_type_invalid',
    ],
    [
      createClinicalScope({
        context: 'patient',
        resourceType: 'Observation',
        permissions: 'rs',
        dialect: 'v1',
        filters: [{ name: 'a', value: 'b' }],
      }),
      'filter_with_v1',
    ],
    [
      createClinicalScope({
        context: 'patient',
        resourceType: 'Observation',
        permissions: 'rs',
        filters: [{ name: 'code', value: 'a&b' }],
      }),
      'filter_value_missing',
    ],
    [
      createClinicalScope({
        context: 'patient',
        resourceType: 'Observation',
        permissions: 'rs',
        filters: [{ name: 'code', value: '' }],
      }),
      'filter_value_missing',
    ],
    [{ kind: 'launch', target: 'Encounter', role: undefined }, 'launch_target_invalid'],
    [{ kind: 'launch', target: 'encounter', role: 'relative' }, 'launch_role_invalid'],
    [{ kind: 'unknown', raw: 'two words' }, 'invalid_character'],
    [{ kind: 'unknown', raw: '' }, 'empty'],
  ])('refuses %j (%s)', (scope, code) => {
    expect(() => serializeScope(scope)).toThrow(expect.objectContaining({ code }));
    expect(() => serializeScope(scope)).toThrow(ScopeSyntaxError);
  });

  it('createClinicalScope validates letters', () => {
    expect(() =>
      createClinicalScope({ context: 'patient', resourceType: 'Observation', permissions: 'dus' }),
    ).toThrow(expect.objectContaining({ code: 'permissions_out_of_order', position: 1 }));
  });

  it('serializeScopes joins with single spaces in the given order', () => {
    const text = 'patient/Observation.rs openid launch/patient __x patient/Patient.read';
    expect(serializeScopes(parseScopes(`  ${text.replaceAll(' ', '   ')} `))).toBe(text);
    expect(serializeScopes([])).toBe('');
  });
});

describe('SCOPE-09 — URI representation of scopes', () => {
  it.each([
    ['patient/*.r', 'http://smarthealthit.org/fhir/scopes/patient/*.r'],
    ['user/Observation.read', 'http://smarthealthit.org/fhir/scopes/user/Observation.read'],
    ['launch/patient', 'http://smarthealthit.org/fhir/scopes/launch/patient'],
    ['fhirUser', 'http://smarthealthit.org/fhir/scopes/fhirUser'],
    ['online_access', 'http://smarthealthit.org/fhir/scopes/online_access'],
    ['openid', 'http://openid.net/specs/openid-connect-core-1_0#openid'],
    ['profile', 'http://openid.net/specs/openid-connect-core-1_0#profile'],
    ['offline_access', 'http://openid.net/specs/openid-connect-core-1_0#offline_access'],
    [
      'https://ehr.example.org/scopes/profilePhoto.manage',
      'https://ehr.example.org/scopes/profilePhoto.manage',
    ],
  ])('%s ⇄ %s', (scope, uri) => {
    expect(toScopeUri(parseScope(scope))).toBe(uri);
    expect(serializeScope(parseScopeUri(uri))).toBe(scope);
  });

  it('__ extensions and unknown scopes have no URI form', () => {
    expect(toScopeUri(parseScope('__profilePhoto.manage'))).toBeUndefined();
    expect(toScopeUri(parseScope('Patient.read'))).toBeUndefined();
  });

  it('errors inside a URI name their position in the URI', () => {
    const uri = 'http://smarthealthit.org/fhir/scopes/patient/Observation.dus';
    expect(() => parseScopeUri(uri)).toThrow(
      expect.objectContaining({
        code: 'permissions_out_of_order',
        position: uri.indexOf('dus') + 1,
      }),
    );
  });
});
