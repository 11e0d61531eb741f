import { describe, expect, it } from 'vitest';

import {
  deriveUserTokens,
  lintPrefetchTemplate,
  resolvePrefetch,
  resolvePrefetchTemplate,
} from './prefetch-template.js';

/** cds-hooks.md §5 token-resolution vectors: hook patient-view. */
const VECTOR_CONTEXT = { userId: 'PractitionerRole/123', patientId: '1288992' };

describe('CDS Hooks 2.0 §Prefetch tokens — checklist token-resolution vectors (PF-2..PF-4)', () => {
  it.each<[string, string | undefined]>([
    ['Patient/{{context.patientId}}', 'Patient/1288992'],
    [
      'PractitionerRole?_id={{userPractitionerRoleId}}&_include=PractitionerRole:practitioner',
      'PractitionerRole?_id=123&_include=PractitionerRole:practitioner',
    ],
    ['Practitioner/{{userPractitionerId}}', undefined],
    ['{{context.userId}}', 'PractitionerRole/123'],
    ['Encounter/{{context.encounterId}}', undefined],
    ['Condition?patient={{context.patient.id}}', undefined],
    ['Observation?patient={{context.patientId}}&date=gt{{today() - 90 days}}', undefined],
  ])('%s ⇒ %s', (template, expected) => {
    expect(
      resolvePrefetchTemplate(template, { hookContext: VECTOR_CONTEXT, hook: 'patient-view' }),
    ).toBe(expected);
  });

  it('resolves a whole discovery prefetch, listing keys that must be omitted (PF-3)', () => {
    expect(
      resolvePrefetch(
        {
          patient: 'Patient/{{context.patientId}}',
          practitioner: 'Practitioner/{{userPractitionerId}}',
          encounter: 'Encounter/{{context.encounterId}}',
          role: '{{context.userId}}',
        },
        { hookContext: VECTOR_CONTEXT, hook: 'patient-view' },
      ),
    ).toEqual({
      resolved: { patient: 'Patient/1288992', role: 'PractitionerRole/123' },
      unresolved: ['practitioner', 'encounter'],
    });
  });
});

describe('CDS Hooks 2.0 §Prefetch tokens — user tokens from context.userId (PF-3)', () => {
  it.each<[unknown, Record<string, string>]>([
    ['Practitioner/abc', { userPractitionerId: 'abc' }],
    ['PractitionerRole/123', { userPractitionerRoleId: '123' }],
    ['Patient/p-1', { userPatientId: 'p-1' }],
    ['RelatedPerson/rp.2', { userRelatedPersonId: 'rp.2' }],
    ['Device/d1', {}],
    ['123', {}],
    ['Practitioner/', {}],
    ['Practitioner/a/b', {}],
    [undefined, {}],
    [42, {}],
  ])('%s', (userId, expected) => {
    expect(deriveUserTokens(userId)).toEqual(expected);
  });

  it('prefers explicitly given user token values', () => {
    expect(
      resolvePrefetchTemplate('Practitioner/{{userPractitionerId}}', {
        hookContext: VECTOR_CONTEXT,
        userPractitionerId: 'p-9',
      }),
    ).toBe('Practitioner/p-9');
  });

  it('resolves all four user tokens from their own userId type', () => {
    const template = (token: string) => `X?id={{${token}}}`;
    expect(
      resolvePrefetchTemplate(template('userPatientId'), { hookContext: { userId: 'Patient/7' } }),
    ).toBe('X?id=7');
    expect(
      resolvePrefetchTemplate(template('userRelatedPersonId'), {
        hookContext: { userId: 'RelatedPerson/8' },
      }),
    ).toBe('X?id=8');
  });
});

describe('CDS Hooks 2.0 §Prefetch tokens — resolution details (PF-2, PF-5)', () => {
  it('does not resolve non-token fields of a known hook', () => {
    const hookContext = { ...VECTOR_CONTEXT, draftOrders: 'x' };
    expect(
      resolvePrefetchTemplate('X?a={{context.draftOrders}}', { hookContext, hook: 'order-sign' }),
    ).toBeUndefined();
    expect(resolvePrefetchTemplate('X?a={{context.draftOrders}}', { hookContext })).toBe('X?a=x');
  });

  it('does not resolve object or empty values', () => {
    const hookContext = { obj: { id: 1 }, empty: '', list: [] };
    for (const field of ['obj', 'empty', 'list']) {
      expect(resolvePrefetchTemplate(`X?a={{context.${field}}}`, { hookContext })).toBeUndefined();
    }
  });

  it('joins an array token (order-dispatch dispatchedOrders) as a FHIR OR list', () => {
    expect(
      resolvePrefetchTemplate('ServiceRequest?_id={{context.dispatchedOrders}}', {
        hookContext: { dispatchedOrders: ['ServiceRequest/a', 'ServiceRequest/b'] },
        hook: 'order-dispatch',
      }),
    ).toBe('ServiceRequest?_id=ServiceRequest/a,ServiceRequest/b');
  });

  it.each<[string, string, string, string]>([
    [
      'a | in a query value',
      'http://loinc.org|4548-4',
      'Observation?code={{context.code}}',
      'Observation?code=http://loinc.org%7C4548-4',
    ],
    ['& and # in a query value', 'a&b#c', 'X?a={{context.code}}', 'X?a=a%26b%23c'],
    ['a space in a path segment', 'a b', 'Patient/{{context.code}}', 'Patient/a%20b'],
  ])('percent-encodes %s', (_name, code, template, expected) => {
    expect(resolvePrefetchTemplate(template, { hookContext: { code } })).toBe(expected);
  });

  it('accepts whitespace inside the braces', () => {
    expect(
      resolvePrefetchTemplate('Patient/{{ context.patientId }}', { hookContext: VECTOR_CONTEXT }),
    ).toBe('Patient/1288992');
  });

  it('returns undefined for an unterminated token and keeps templates without tokens', () => {
    expect(
      resolvePrefetchTemplate('Patient/{{context.patientId', { hookContext: VECTOR_CONTEXT }),
    ).toBeUndefined();
    expect(resolvePrefetchTemplate('Metadata?x=1', { hookContext: {} })).toBe('Metadata?x=1');
  });
});

describe('CDS Hooks 2.0 §Prefetch Template — lintPrefetchTemplate (DISC-4)', () => {
  it('returns errors and warnings separately', () => {
    expect(
      lintPrefetchTemplate('Patient?_has:Observation:patient:code=1234-5', {
        hook: 'patient-view',
      }),
    ).toEqual({
      errors: [],
      warnings: [
        'parameter "_has" is outside the recommended query subset',
        'modifier ":Observation" is outside the recommended query subset (only :in is)',
      ],
    });
  });

  it('flags a typed reference token other than userId', () => {
    expect(
      lintPrefetchTemplate('Organization/{{context.performer}}', { hook: 'order-dispatch' }),
    ).toEqual({
      errors: [
        '"Organization/{{context.performer}}" repeats the resource type: context.performer is already "Type/id"',
      ],
      warnings: [],
    });
  });
});
