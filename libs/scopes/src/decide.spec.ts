import { describe, expect, it } from 'vitest';

import { compileGrant, decide } from './decide.js';
import type { AccessDecision, FhirAccessRequest } from './decide.js';
import { ScopeSyntaxError } from './errors.js';
import { parseScopes } from './parse.js';
import { serializeScope } from './serialize.js';

const OBS = 'http://terminology.hl7.org/CodeSystem/observation-category';
const COND = 'http://terminology.hl7.org/CodeSystem/condition-category';
const LAB = `${OBS}|laboratory`;
const VITALS = `${OBS}|vital-signs`;

function observation(category: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: OBS, code: category }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    ...extra,
  };
}

/** `allowed by <scope> (<context>)` or `<code>`, to keep tables short. */
function outcome(decision: AccessDecision): string {
  return decision.allowed
    ? `allowed by ${serializeScope(decision.scope)} (${decision.context})`
    : decision.code;
}

describe('SCOPE-01, SCOPE-04 — decide on resource-level scopes', () => {
  const grant = compileGrant(
    'launch openid patient/Patient.read patient/Observation.r patient/Observation.s user/Practitioner.rs user/*.c',
  );

  it.each<[FhirAccessRequest, string]>([
    [{ resourceType: 'Patient', interaction: 'read' }, 'allowed by patient/Patient.read (patient)'],
    [
      { resourceType: 'Patient', interaction: 'search' },
      'allowed by patient/Patient.read (patient)',
    ],
    [{ resourceType: 'Patient', interaction: 'update' }, 'interaction_not_granted'],
    // SCOPE-04: `Observation.r Observation.s` ≡ `Observation.rs`
    [
      { resourceType: 'Observation', interaction: 'vread' },
      'allowed by patient/Observation.r (patient)',
    ],
    [
      { resourceType: 'Observation', interaction: 'history-type' },
      'allowed by patient/Observation.s (patient)',
    ],
    [
      { resourceType: 'Practitioner', interaction: 'read' },
      'allowed by user/Practitioner.rs (user)',
    ],
    [
      { resourceType: 'Practitioner', interaction: 'read', contexts: ['patient'] },
      'context_not_granted',
    ],
    [{ resourceType: 'Condition', interaction: 'create' }, 'allowed by user/*.c (user)'],
    [{ resourceType: 'Condition', interaction: 'read' }, 'interaction_not_granted'],
    [
      { resourceType: 'Condition', interaction: 'read', contexts: ['patient'] },
      'context_not_granted',
    ],
    [{ resourceType: 'Device', interaction: 'read', contexts: ['patient'] }, 'context_not_granted'],
    [
      { resourceType: 'Device', interaction: 'create', contexts: ['patient', 'system'] },
      'context_not_granted',
    ],
  ])('%j → %s', (request, expected) => {
    expect(outcome(decide(grant, request))).toBe(expected);
  });

  it('reports the first scope in grant order, and the first accepted context in request order', () => {
    const g = compileGrant('user/Observation.rs patient/*.rs patient/Observation.rs');
    expect(outcome(decide(g, { resourceType: 'Observation', interaction: 'read' }))).toBe(
      'allowed by patient/*.rs (patient)',
    );
    expect(
      outcome(
        decide(g, {
          resourceType: 'Observation',
          interaction: 'read',
          contexts: ['user', 'patient'],
        }),
      ),
    ).toBe('allowed by user/Observation.rs (user)');
  });

  it('allowed decisions are frozen', () => {
    const decision = decide(grant, { resourceType: 'Patient', interaction: 'read' });
    expect(Object.isFrozen(decision)).toBe(true);
  });

  it('denials say what would be needed', () => {
    expect(
      decide(compileGrant('openid patient/Patient.read'), {
        resourceType: 'Device',
        interaction: 'read',
      }),
    ).toEqual({
      allowed: false,
      code: 'no_scope_for_type',
      reason: 'no granted scope covers Device; read of Device needs patient/Device.r',
      needed: 'patient/Device.r',
    });
    expect(decide(grant, { resourceType: 'Patient', interaction: 'delete' })).toEqual({
      allowed: false,
      code: 'interaction_not_granted',
      reason:
        "delete of Patient needs 'd'; granted patient/Patient.read user/*.c does not include it; needs patient/Patient.d",
      needed: 'patient/Patient.d',
    });
    expect(
      decide(grant, { resourceType: 'Practitioner', interaction: 'read', contexts: ['patient'] }),
    ).toEqual({
      allowed: false,
      code: 'context_not_granted',
      reason:
        'read of Practitioner accepts patient scopes, but user/Practitioner.rs user/*.c are for another context; needs patient/Practitioner.r',
      needed: 'patient/Practitioner.r',
    });
  });

  it('an empty grant denies everything (SCOPE-04: "" is a legal grant)', () => {
    expect(
      outcome(decide(compileGrant(''), { resourceType: 'Patient', interaction: 'read' })),
    ).toBe('no_scope_for_type');
  });

  it('v1 and v2 spellings decide the same (SCOPE-02)', () => {
    const v1 = compileGrant('patient/Observation.read patient/Condition.write patient/Goal.*');
    const v2 = compileGrant('patient/Observation.rs patient/Condition.cud patient/Goal.cruds');
    for (const resourceType of ['Observation', 'Condition', 'Goal', 'Device']) {
      for (const interaction of [
        'read',
        'search',
        'create',
        'update',
        'patch',
        'delete',
      ] as const) {
        const a = decide(v1, { resourceType, interaction });
        const b = decide(v2, { resourceType, interaction });
        expect(a.allowed).toBe(b.allowed);
      }
    }
  });
});

describe('SCOPE-01 — system level, wildcard and operations', () => {
  it('a system-wide search (resourceType *) needs a wildcard scope', () => {
    expect(
      outcome(
        decide(compileGrant('system/Observation.rs'), {
          resourceType: '*',
          interaction: 'search-system',
        }),
      ),
    ).toBe('no_scope_for_type');
    expect(
      outcome(
        decide(compileGrant('system/*.rs'), { resourceType: '*', interaction: 'history-system' }),
      ),
    ).toBe('allowed by system/*.rs (system)');
  });

  it.each<[string, FhirAccessRequest, string]>([
    [
      'patient/Patient.r',
      { resourceType: 'Patient', interaction: 'operation', operation: '$everything' },
      'allowed by patient/Patient.r (patient)',
    ],
    [
      'patient/Patient.s',
      { resourceType: 'Patient', interaction: 'operation', operation: '$everything' },
      'interaction_not_granted',
    ],
    [
      'system/*.read',
      { resourceType: '*', interaction: 'operation', operation: '$export' },
      'allowed by system/*.read (system)',
    ],
    [
      'system/*.rs',
      { resourceType: 'Group', interaction: 'operation', operation: '$export' },
      'allowed by system/*.rs (system)',
    ],
    [
      'patient/Observation.rs',
      { resourceType: 'Observation', interaction: 'operation', operation: '$lastn' },
      'allowed by patient/Observation.rs (patient)',
    ],
    [
      'patient/*.cruds',
      { resourceType: 'Observation', interaction: 'operation', operation: '$stats' },
      'operation_not_mapped',
    ],
    [
      'patient/*.cruds',
      { resourceType: 'Observation', interaction: 'operation' },
      'operation_not_mapped',
    ],
  ])('%s, %j → %s', (scopes, request, expected) => {
    expect(outcome(decide(compileGrant(scopes), request))).toBe(expected);
  });

  it('operations can be mapped through options; letters combine across scopes (SCOPE-04)', () => {
    const grant = compileGrant('patient/Observation.r patient/Observation.s', {
      operations: { $stats: 'rs', validate: 'c' },
    });
    expect(
      outcome(
        decide(grant, {
          resourceType: 'Observation',
          interaction: 'operation',
          operation: '$stats',
        }),
      ),
    ).toBe('allowed by patient/Observation.r (patient)');
    expect(
      outcome(
        decide(grant, {
          resourceType: 'Observation',
          interaction: 'operation',
          operation: '$validate',
        }),
      ),
    ).toBe('interaction_not_granted');
  });

  it('an operation mapping with bad letters fails at compile time', () => {
    expect(() => compileGrant('openid', { operations: { $x: 'sr' } })).toThrow(ScopeSyntaxError);
  });

  it('operation_not_mapped says how to fix it', () => {
    expect(
      decide(compileGrant('patient/*.rs'), {
        resourceType: 'Observation',
        interaction: 'operation',
        operation: '$stats',
      }),
    ).toEqual({
      allowed: false,
      code: 'operation_not_mapped',
      reason:
        "operation $stats has no permission mapping; add it to compileGrant's operations option",
      needed: undefined,
    });
  });
});

describe('decide — invalid requests and grants', () => {
  it('an unknown interaction is denied with invalid_request', () => {
    const request = {
      resourceType: 'Patient',
      interaction: 'purge',
    } as unknown as FhirAccessRequest;
    expect(decide(compileGrant('patient/*.cruds'), request)).toEqual({
      allowed: false,
      code: 'invalid_request',
      reason: "unknown interaction 'purge'",
      needed: undefined,
    });
  });

  it('names inherited from Object.prototype are not contexts, interactions or parameters', () => {
    const grant = compileGrant('patient/*.cruds patient/Observation.rs?constructor=x');
    const odd = (request: object) => decide(grant, request as FhirAccessRequest);
    expect(
      odd({ resourceType: 'Patient', interaction: 'read', contexts: ['toString'] }),
    ).toMatchObject({
      allowed: false,
      code: 'context_not_granted',
    });
    expect(odd({ resourceType: 'Patient', interaction: 'constructor' })).toMatchObject({
      code: 'invalid_request',
    });
    expect(
      odd({ resourceType: 'Patient', interaction: 'operation', operation: 'constructor' }),
    ).toMatchObject({ code: 'operation_not_mapped' });
    expect(
      decide(compileGrant('patient/Observation.rs?constructor=x'), {
        resourceType: 'Observation',
        interaction: 'read',
        resource: { resourceType: 'Observation', constructor: 'x' },
      }),
    ).toMatchObject({ code: 'filter_not_evaluable' });
  });

  it('a resource of another type than the request is denied', () => {
    expect(
      decide(compileGrant('patient/*.cruds'), {
        resourceType: 'Patient',
        interaction: 'update',
        resource: { resourceType: 'Observation' },
      }),
    ).toEqual({
      allowed: false,
      code: 'resource_type_mismatch',
      reason: 'the resource is a Observation but the request is for Patient',
      needed: undefined,
    });
  });

  it('compileGrant(string) is strict: a malformed scope throws', () => {
    expect(() => compileGrant('openid patient/Observation.dus')).toThrow(
      expect.objectContaining({ code: 'permissions_out_of_order', position: 28 }),
    );
  });

  it('keeps every scope, also non-clinical ones, in grant.scopes', () => {
    const scopes = parseScopes('launch openid __x patient/Patient.rs Patient.read');
    expect(compileGrant(scopes).scopes).toEqual(scopes);
  });
});

describe('SCOPE-05 — granular scopes: searches must be at least as narrow as the filter', () => {
  const grant = compileGrant(`patient/Observation.rs?category=${LAB}`);
  const search = (...searchParams: [string, string][]) =>
    outcome(decide(grant, { resourceType: 'Observation', interaction: 'search', searchParams }));

  it.each<[[string, string][], string]>([
    [
      [
        ['patient', '1'],
        ['category', LAB],
      ],
      `allowed by patient/Observation.rs?category=${LAB} (patient)`,
    ],
    [[['patient', '1']], 'filter_not_satisfied'],
    [[['category', VITALS]], 'filter_not_satisfied'],
    [[['category', `${LAB},${VITALS}`]], 'filter_not_satisfied'],
    // bare `laboratory` could match another system: wider than the filter
    [[['category', 'laboratory']], 'filter_not_satisfied'],
    // a modifier is another parameter
    [[['category:not', VITALS]], 'filter_not_satisfied'],
    // repeated parameters are ANDed: one narrow occurrence is enough
    [
      [
        ['category', `${LAB},${VITALS}`],
        ['category', LAB],
      ],
      `allowed by patient/Observation.rs?category=${LAB} (patient)`,
    ],
  ])('%j → %s', (params, expected) => {
    expect(search(...params)).toBe(expected);
  });

  it('explains the failure', () => {
    expect(
      decide(grant, {
        resourceType: 'Observation',
        interaction: 'search',
        searchParams: [['patient', '1']],
      }),
    ).toEqual({
      allowed: false,
      code: 'filter_not_satisfied',
      reason: `search of Observation is granted only by patient/Observation.rs?category=${LAB}: the search has no category parameter; add category=${LAB} to the search, or be granted patient/Observation.s`,
      needed: 'patient/Observation.s',
    });
    expect(
      decide(grant, {
        resourceType: 'Observation',
        interaction: 'search',
        searchParams: [['category', `${LAB},${VITALS}`]],
      }),
    ).toMatchObject({
      reason: expect.stringContaining(
        `the search's category=${LAB},${VITALS} is not within category=${LAB}`,
      ),
    });
  });

  it('token forms: system| allows any code of the system; a bare code allows any system', () => {
    const bySystem = compileGrant(`patient/Observation.rs?category=${OBS}|`);
    const byCode = compileGrant('patient/Observation.rs?category=laboratory');
    const s = (g: ReturnType<typeof compileGrant>, value: string) =>
      decide(g, {
        resourceType: 'Observation',
        interaction: 'search',
        searchParams: [['category', value]],
      }).allowed;
    expect([
      s(bySystem, LAB),
      s(bySystem, `${OBS}|`),
      s(bySystem, 'laboratory'),
      s(bySystem, 'x|laboratory'),
    ]).toEqual([true, true, false, false]);
    expect([
      s(byCode, LAB),
      s(byCode, 'laboratory'),
      s(byCode, `${OBS}|`),
      s(byCode, 'survey'),
    ]).toEqual([true, true, false, false]);
  });

  it('a filter with alternatives allows searches within them', () => {
    const g = compileGrant(`patient/Observation.rs?category=${LAB},${VITALS}`);
    const s = (value: string) =>
      decide(g, {
        resourceType: 'Observation',
        interaction: 'search',
        searchParams: [['category', value]],
      }).allowed;
    expect([s(LAB), s(VITALS), s(`${VITALS},${LAB}`), s(`${LAB},${OBS}|survey`)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('several granular scopes combine by union (SCOPE-04, SCOPE-06 g10 groups)', () => {
    const g = compileGrant(
      `patient/Observation.rs?category=${LAB} patient/Observation.rs?category=${VITALS}`,
    );
    const s = (value: string) =>
      outcome(
        decide(g, {
          resourceType: 'Observation',
          interaction: 'search',
          searchParams: [['category', value]],
        }),
      );
    expect(s(VITALS)).toBe(`allowed by patient/Observation.rs?category=${VITALS} (patient)`);
    expect(s(`${LAB},${VITALS}`)).toBe(
      `allowed by patient/Observation.rs?category=${LAB} (patient)`,
    );
    expect(s(`${LAB},${OBS}|survey`)).toBe('filter_not_satisfied');
  });

  it('several parameters must all be satisfied', () => {
    const g = compileGrant(`patient/Observation.rs?category=${LAB}&status=final`);
    const s = (...searchParams: [string, string][]) =>
      decide(g, { resourceType: 'Observation', interaction: 'search', searchParams }).allowed;
    expect(s(['category', LAB], ['status', 'final'])).toBe(true);
    expect(s(['category', LAB])).toBe(false);
    expect(s(['status', 'final'])).toBe(false);
  });

  it('parameters without token semantics must repeat the filter value exactly', () => {
    const g = compileGrant(
      'patient/Observation.rs?code:in=http://valueset.example.org/ValueSet/diabetes-codes',
    );
    const s = (name: string, value: string) =>
      decide(g, {
        resourceType: 'Observation',
        interaction: 'search',
        searchParams: [[name, value]],
      }).allowed;
    expect(s('code:in', 'http://valueset.example.org/ValueSet/diabetes-codes')).toBe(true);
    expect(s('code:in', 'http://valueset.example.org/ValueSet/other')).toBe(false);
    expect(s('code', 'http://loinc.org|4548-4')).toBe(false);
  });

  it('percent-encoded scope values mean the same as raw ones', () => {
    const g = compileGrant(`patient/Observation.rs?category=${OBS}%7Claboratory`);
    expect(
      decide(g, {
        resourceType: 'Observation',
        interaction: 'search',
        searchParams: [['category', LAB]],
      }).allowed,
    ).toBe(true);
  });

  it('a type or system history cannot be narrowed: denied by granular scopes', () => {
    expect(
      decide(grant, { resourceType: 'Observation', interaction: 'history-type' }),
    ).toMatchObject({
      allowed: false,
      code: 'filter_not_satisfied',
      reason: expect.stringContaining('a type or system history cannot be narrowed to the filter'),
    });
  });

  it('an unfiltered scope wins over a granular one', () => {
    const g = compileGrant(`patient/Observation.rs?category=${LAB} patient/Observation.s`);
    expect(outcome(decide(g, { resourceType: 'Observation', interaction: 'search' }))).toBe(
      'allowed by patient/Observation.s (patient)',
    );
  });
});

describe('SCOPE-05 — granular scopes: reads and writes must match the resource', () => {
  const grant = compileGrant(`patient/Observation.rs?category=${LAB}`);
  const read = (resource?: { resourceType: string; [k: string]: unknown }) =>
    decide(
      grant,
      resource
        ? { resourceType: 'Observation', interaction: 'read', resource }
        : { resourceType: 'Observation', interaction: 'read' },
    );

  it('a matching resource is allowed; another is refused', () => {
    expect(outcome(read(observation('laboratory')))).toBe(
      `allowed by patient/Observation.rs?category=${LAB} (patient)`,
    );
    expect(read(observation('vital-signs'))).toEqual({
      allowed: false,
      code: 'filter_not_satisfied',
      reason: `read of Observation is granted only by patient/Observation.rs?category=${LAB}: the Observation does not match category=${LAB}; needs patient/Observation.r`,
      needed: 'patient/Observation.r',
    });
  });

  it('without the resource the caller is asked for it', () => {
    expect(read()).toEqual({
      allowed: false,
      code: 'resource_required',
      reason: `patient/Observation.rs?category=${LAB} allows the read of Observation only for resources matching its filter; pass the resource to decide`,
      needed: undefined,
    });
  });

  it('matches any of several categories and codings', () => {
    const resource = {
      resourceType: 'Observation',
      category: [
        { coding: [{ system: OBS, code: 'survey' }] },
        {
          coding: [
            { system: 'http://other', code: 'x' },
            { system: OBS, code: 'laboratory' },
          ],
        },
      ],
    };
    expect(read(resource).allowed).toBe(true);
    expect(read({ resourceType: 'Observation' }).allowed).toBe(false);
    expect(read({ resourceType: 'Observation', category: 'laboratory' }).allowed).toBe(false);
  });

  it.each<[string, Record<string, unknown>, string]>([
    // Condition.category (CodeableConcept[]) — SCOPE-06
    [
      `patient/Condition.rs?category=${COND}|problem-list-item`,
      {
        resourceType: 'Condition',
        category: [{ coding: [{ system: COND, code: 'problem-list-item' }] }],
      },
      'allowed',
    ],
    [
      `patient/Condition.rs?category=${COND}|problem-list-item`,
      {
        resourceType: 'Condition',
        category: [{ coding: [{ system: COND, code: 'encounter-diagnosis' }] }],
      },
      'filter_not_satisfied',
    ],
    // clinical-status (CodeableConcept)
    [
      'patient/Condition.rs?clinical-status=http://terminology.hl7.org/CodeSystem/condition-clinical|active',
      {
        resourceType: 'Condition',
        clinicalStatus: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' },
          ],
        },
      },
      'allowed',
    ],
    // status (code): only the bare-code form can match; its system is implicit
    [
      'patient/Observation.rs?status=final',
      { resourceType: 'Observation', status: 'final' },
      'allowed',
    ],
    [
      'patient/Observation.rs?status=final',
      { resourceType: 'Observation', status: 'amended' },
      'filter_not_satisfied',
    ],
    [
      'patient/Observation.rs?status=http://hl7.org/fhir/observation-status|final',
      { resourceType: 'Observation', status: 'final' },
      'filter_not_satisfied',
    ],
    // AllergyIntolerance.category is code[]
    [
      'patient/AllergyIntolerance.rs?category=food',
      { resourceType: 'AllergyIntolerance', category: ['medication', 'food'] },
      'allowed',
    ],
    // code (CodeableConcept); MedicationRequest reads medicationCodeableConcept
    [
      'patient/Observation.rs?code=http://loinc.org|8867-4',
      {
        resourceType: 'Observation',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      },
      'allowed',
    ],
    [
      'patient/MedicationRequest.rs?code=http://www.nlm.nih.gov/research/umls/rxnorm|197361',
      {
        resourceType: 'MedicationRequest',
        medicationCodeableConcept: {
          coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }],
        },
      },
      'allowed',
    ],
    [
      'patient/MedicationRequest.rs?code=http://www.nlm.nih.gov/research/umls/rxnorm|197361',
      { resourceType: 'MedicationRequest', medicationReference: { reference: 'Medication/1' } },
      'filter_not_evaluable',
    ],
    // type (DocumentReference.type CodeableConcept; Encounter.type CodeableConcept[])
    [
      'patient/DocumentReference.rs?type=http://loinc.org|34133-9',
      {
        resourceType: 'DocumentReference',
        type: { coding: [{ system: 'http://loinc.org', code: '34133-9' }] },
      },
      'allowed',
    ],
    [
      'patient/Encounter.rs?type=http://snomed.info/sct|185349003',
      {
        resourceType: 'Encounter',
        type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003' }] }],
      },
      'allowed',
    ],
    // parameters this library cannot evaluate against a resource
    ['patient/Observation.rs?date=ge2020', { resourceType: 'Observation' }, 'filter_not_evaluable'],
    [
      'patient/Observation.rs?patient.birthdate=1990',
      { resourceType: 'Observation' },
      'filter_not_evaluable',
    ],
    [
      'patient/Observation.rs?code:in=http://vs.example.org/d',
      { resourceType: 'Observation' },
      'filter_not_evaluable',
    ],
    // `|code`: explicitly no system
    [
      'patient/Observation.rs?code=|x',
      { resourceType: 'Observation', code: { coding: [{ code: 'x' }] } },
      'allowed',
    ],
    [
      'patient/Observation.rs?code=|x',
      { resourceType: 'Observation', code: { coding: [{ system: 's', code: 'x' }] } },
      'filter_not_satisfied',
    ],
  ])('%s on %j → %s', (scope, resource, expected) => {
    const decision = decide(compileGrant(scope), {
      resourceType: resource['resourceType'] as string,
      interaction: 'read',
      resource: resource as { resourceType: string },
    });
    expect(decision.allowed ? 'allowed' : decision.code).toBe(expected);
  });

  it('filter_not_evaluable names the parameter', () => {
    expect(
      decide(compileGrant('patient/Observation.rs?date=ge2020'), {
        resourceType: 'Observation',
        interaction: 'read',
        resource: { resourceType: 'Observation' },
      }),
    ).toEqual({
      allowed: false,
      code: 'filter_not_evaluable',
      reason:
        'read of Observation is granted only by patient/Observation.rs?date=ge2020: date cannot be evaluated against a Observation by this library; needs patient/Observation.r',
      needed: 'patient/Observation.r',
    });
  });

  it('APPSTATE: patient/Basic.cuds?code=https://app.example.org|keys guards app state', () => {
    const g = compileGrant('patient/Basic.cuds?code=https://app.example.org|keys');
    const state = (code: string) => ({
      resourceType: 'Basic',
      code: { coding: [{ system: 'https://app.example.org', code }] },
    });
    expect(
      decide(g, { resourceType: 'Basic', interaction: 'create', resource: state('keys') }).allowed,
    ).toBe(true);
    expect(
      decide(g, { resourceType: 'Basic', interaction: 'create', resource: state('other') }),
    ).toMatchObject({
      code: 'filter_not_satisfied',
    });
    expect(
      decide(g, {
        resourceType: 'Basic',
        interaction: 'search',
        searchParams: [
          ['code', 'https://app.example.org|keys'],
          ['subject', 'https://ehr.example.org/fhir/Patient/1'],
        ],
      }).allowed,
    ).toBe(true);
    expect(
      decide(g, { resourceType: 'Basic', interaction: 'read', resource: state('keys') }),
    ).toMatchObject({
      code: 'interaction_not_granted',
    });
  });

  it('writes check the resource written (create, update, patch, delete)', () => {
    const g = compileGrant(`patient/Observation.cud?category=${VITALS}`);
    for (const interaction of ['create', 'update', 'patch', 'delete'] as const) {
      expect(
        decide(g, {
          resourceType: 'Observation',
          interaction,
          resource: observation('vital-signs'),
        }).allowed,
      ).toBe(true);
      expect(
        decide(g, {
          resourceType: 'Observation',
          interaction,
          resource: observation('laboratory'),
        }),
      ).toMatchObject({ allowed: false, code: 'filter_not_satisfied' });
      expect(decide(g, { resourceType: 'Observation', interaction })).toMatchObject({
        allowed: false,
        code: 'resource_required',
      });
    }
  });

  it('operations are not covered by granular scopes', () => {
    expect(
      decide(compileGrant(`patient/Observation.rs?category=${LAB}`), {
        resourceType: 'Observation',
        interaction: 'operation',
        operation: '$lastn',
      }),
    ).toMatchObject({
      code: 'filter_not_satisfied',
      reason: expect.stringContaining('operations are not covered by granular scopes'),
    });
  });

  it('a matching granular scope in any accepted context allows; the best reason wins otherwise', () => {
    const g = compileGrant(
      `patient/Observation.rs?date=ge2020 patient/Observation.rs?category=${LAB}`,
    );
    expect(
      decide(g, {
        resourceType: 'Observation',
        interaction: 'read',
        resource: observation('laboratory'),
      }).allowed,
    ).toBe(true);
    expect(
      decide(g, {
        resourceType: 'Observation',
        interaction: 'read',
        resource: observation('survey'),
      }),
    ).toMatchObject({ code: 'filter_not_evaluable' });
  });
});
