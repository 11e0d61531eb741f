/** The five worked examples of README.md, so the README cannot drift from the code. */
import { describe, expect, it } from 'vitest';

import {
  compareScopes,
  compileGrant,
  decide,
  minimalScopes,
  parseScope,
  parseScopes,
  parseScopesLenient,
  serializeScope,
  serializeScopes,
  ScopeSyntaxError,
  toV1,
  translateScopes,
} from './index.js';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

describe('README worked examples (SMART App Launch 2.2 §scopes-and-launch-context)', () => {
  it('1. a FHIR server enforcing a granular grant (SCOPE-05)', () => {
    const grant = compileGrant(
      `launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs?category=${LAB}`,
    );
    expect(
      decide(grant, {
        resourceType: 'Observation',
        interaction: 'search',
        searchParams: [
          ['patient', '123'],
          ['category', LAB],
        ],
      }).allowed,
    ).toBe(true);
    expect(
      decide(grant, {
        resourceType: 'Observation',
        interaction: 'search',
        searchParams: [['patient', '123']],
      }),
    ).toEqual({
      allowed: false,
      code: 'filter_not_satisfied',
      needed: 'patient/Observation.s',
      reason: `search of Observation is granted only by patient/Observation.rs?category=${LAB}: the search has no category parameter; add category=${LAB} to the search, or be granted patient/Observation.s`,
    });
    expect(decide(grant, { resourceType: 'Observation', interaction: 'read' })).toMatchObject({
      code: 'resource_required',
    });
  });

  it('2. an authorization server refusing a malformed scope (SCOPE-03)', () => {
    let error: unknown;
    try {
      parseScopes('launch patient/Observation.dus');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScopeSyntaxError);
    expect(error).toMatchObject({
      code: 'permissions_out_of_order',
      position: 28,
      scope: 'patient/Observation.dus',
      message:
        'Invalid scope "patient/Observation.dus" at position 28 (permissions_out_of_order): ' +
        "'u' comes after 'd'; SCOPE-01/SCOPE-03: permission letters appear in the order c r u d s",
    });
    const lenient = parseScopesLenient('launch patient/Observation.dus openid');
    expect(serializeScopes(lenient.scopes)).toBe('launch openid');
    expect(lenient.rejected.map((r) => [r.text, r.error.position])).toEqual([
      ['patient/Observation.dus', 28],
    ]);
  });

  it('3. talking to a v1-only EHR (SCOPE-02)', () => {
    const t = translateScopes(
      parseScopes('launch patient/Observation.r patient/Observation.s patient/Condition.c'),
      'v1',
    );
    expect(serializeScopes(t.scopes)).toBe(
      'launch patient/Observation.read patient/Condition.write',
    );
    expect(t.exact).toBe(false);
    expect(t.inexact[0]?.reason).toBe(
      "patient/Condition.c: v1 has no form for 'c'; 'write' also grants 'ud'",
    );
    const v1 = toV1(parseScope(`patient/Observation.rs?category=${LAB}`));
    expect(serializeScope(v1.scope)).toBe('patient/Observation.read');
    expect(v1.exact).toBe(false);
    expect(v1.reason).toBe(
      `granular filters (category=${LAB}) have no v1 form; the v1 scope covers every Observation`,
    );
  });

  it('4. an app reading what it was granted (SCOPE-04)', () => {
    const r = compareScopes(
      parseScopes('openid fhirUser patient/AllergyIntolerance.cruds'),
      parseScopes('openid patient/AllergyIntolerance.rs patient/Observation.rs'),
    );
    expect(serializeScopes(r.granted)).toBe('openid');
    expect(serializeScopes(r.denied)).toBe('fhirUser');
    expect(
      r.narrowed.map((n) => [serializeScope(n.requested), serializeScopes(n.granted)]),
    ).toEqual([['patient/AllergyIntolerance.cruds', 'patient/AllergyIntolerance.rs']]);
    expect(serializeScopes(r.unrequested)).toBe('patient/Observation.rs');
  });

  it('5. the console computing what to request', () => {
    expect(
      serializeScopes(
        minimalScopes([
          { context: 'patient', resourceType: 'Patient', interaction: 'read' },
          { context: 'patient', resourceType: 'Observation', interaction: 'search' },
          { context: 'patient', resourceType: 'Observation', interaction: 'read' },
          { context: 'patient', resourceType: 'Observation', interaction: 'create' },
          { context: 'patient', resourceType: 'Condition', interaction: 'search' },
        ]),
      ),
    ).toBe('patient/Patient.r patient/Observation.crs patient/Condition.s');
  });
});
