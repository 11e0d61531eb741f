import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { compileGrant, decide } from './decide.js';
import type { FhirAccessRequest } from './decide.js';
import { ScopeSyntaxError } from './errors.js';
import { parseScope, parseScopes, parseScopesLenient } from './parse.js';
import { permissionMask, permissionsFromMask } from './permissions.js';
import { serializeScope, serializeScopes } from './serialize.js';
import {
  intersectScopes,
  isSubset,
  minimalScopes,
  normalizeScopes,
  unionScopes,
} from './set-operations.js';
import type { IntendedOperation } from './set-operations.js';
import { toV1, toV2 } from './translate.js';
import type { ClinicalScope, FhirInteraction, Scope, ScopeContext, ScopeFilter } from './types.js';

const RUNS = { numRuns: 300 };

const OBS = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CONTEXTS: ScopeContext[] = ['patient', 'user', 'system'];
const TYPES = ['Observation', 'Condition', 'Patient', 'MedicationRequest', '*'];
const INTERACTIONS: FhirInteraction[] = [
  'read',
  'vread',
  'history-instance',
  'search',
  'search-system',
  'history-type',
  'history-system',
  'create',
  'update',
  'patch',
  'delete',
  'operation',
];

// ---- arbitraries over the whole grammar -------------------------------------------------------

const filterValue = fc.stringMatching(/^[!#-%'-[\]-~]{1,24}$/);
const filterName = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/);
const anyFilter: fc.Arbitrary<ScopeFilter> = fc.record({ name: filterName, value: filterValue });

const v2Clinical = (filter: fc.Arbitrary<ScopeFilter>): fc.Arbitrary<ClinicalScope> =>
  fc
    .record({
      context: fc.constantFrom(...CONTEXTS),
      resourceType: fc.oneof(fc.constantFrom(...TYPES), fc.stringMatching(/^[A-Z][A-Za-z]{1,15}$/)),
      mask: fc.integer({ min: 1, max: 31 }),
      filters: fc.array(filter, { maxLength: 3 }),
    })
    .map(({ context, resourceType, mask, filters }) => ({
      kind: 'clinical' as const,
      context,
      resourceType,
      permissions: permissionsFromMask(mask),
      dialect: 'v2' as const,
      v1Permission: undefined,
      filters,
    }));

const v1Clinical: fc.Arbitrary<ClinicalScope> = fc
  .record({
    context: fc.constantFrom(...CONTEXTS),
    resourceType: fc.constantFrom(...TYPES),
    word: fc.constantFrom(['read', 18] as const, ['write', 13] as const, ['*', 31] as const),
  })
  .map(({ context, resourceType, word }) => ({
    kind: 'clinical' as const,
    context,
    resourceType,
    permissions: permissionsFromMask(word[1]),
    dialect: 'v1' as const,
    v1Permission: word[0],
    filters: [],
  }));

const RESERVED = new Set([
  'launch',
  'openid',
  'fhirUser',
  'profile',
  'offline_access',
  'online_access',
]);

const anyScope: fc.Arbitrary<Scope> = fc.oneof(
  v2Clinical(anyFilter),
  v1Clinical,
  fc.record({
    kind: fc.constant('launch' as const),
    target: fc.option(fc.stringMatching(/^[a-z0-9_.-]{1,16}$/), { nil: undefined }),
    role: fc.constant(undefined),
  }),
  fc.record({
    kind: fc.constant('launch' as const),
    target: fc.stringMatching(/^[a-z]{1,16}$/),
    role: fc.stringMatching(/^https?:\/\/[a-z.]{1,12}\/[!#-%'-[\]-~]{0,12}$/),
  }),
  fc.constantFrom<Scope>(
    { kind: 'openid' },
    { kind: 'fhirUser' },
    { kind: 'profile' },
    { kind: 'offline_access' },
    { kind: 'online_access' },
  ),
  fc
    .stringMatching(/^__[!#-[\]-~]{1,20}$/)
    .map((raw) => ({ kind: 'extension' as const, raw, form: 'underscore' as const })),
  fc
    .stringMatching(/^(https?|urn):[!#-[\]-~]{1,20}$/)
    .map((raw) => ({ kind: 'extension' as const, raw, form: 'uri' as const })),
  fc
    .stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,20}$/)
    .filter((raw) => !RESERVED.has(raw))
    .map((raw) => ({ kind: 'unknown' as const, raw })),
);

// ---- arbitraries for decisions: realistic filters and requests ---------------------------------

const realisticFilter = fc.constantFrom<ScopeFilter>(
  { name: 'category', value: `${OBS}|laboratory` },
  { name: 'category', value: `${OBS}|vital-signs` },
  { name: 'category', value: `${OBS}|laboratory,${OBS}|survey` },
  { name: 'category', value: `${OBS}|` },
  { name: 'category', value: 'laboratory' },
  { name: 'status', value: 'final' },
  { name: 'code:in', value: 'http://vs.example.org/d' },
);
const grantScopes = fc.array(fc.oneof(v2Clinical(realisticFilter), v1Clinical), { maxLength: 6 });

const resource = (type: string) =>
  fc.record({
    resourceType: fc.constant(type),
    status: fc.constantFrom('final', 'amended'),
    category: fc.subarray([
      { coding: [{ system: OBS, code: 'laboratory' }] },
      { coding: [{ system: OBS, code: 'vital-signs' }] },
      { coding: [{ system: OBS, code: 'survey' }] },
    ]),
  });

const request: fc.Arbitrary<FhirAccessRequest> = fc
  .record({
    resourceType: fc.constantFrom(...TYPES),
    interaction: fc.constantFrom(...INTERACTIONS),
    contexts: fc.option(fc.subarray(CONTEXTS), { nil: undefined }),
    searchParams: fc.array(
      fc.tuple(
        fc.constantFrom('category', 'status', 'patient', 'code:in'),
        fc.constantFrom(
          `${OBS}|laboratory`,
          `${OBS}|vital-signs`,
          `${OBS}|laboratory,${OBS}|vital-signs`,
          `${OBS}|survey`,
          'final',
          'http://vs.example.org/d',
        ),
      ),
      { maxLength: 3 },
    ),
    withResource: fc.boolean(),
    operation: fc.constantFrom('$everything', '$export', '$lastn', '$unknown'),
    seed: fc.integer(),
  })
  .chain((r) =>
    (r.withResource && r.resourceType !== '*'
      ? resource(r.resourceType)
      : fc.constant(undefined)
    ).map((res) => {
      const out: { -readonly [K in keyof FhirAccessRequest]: FhirAccessRequest[K] } = {
        resourceType: r.resourceType,
        interaction: r.interaction,
        searchParams: r.searchParams,
      };
      if (r.contexts !== undefined) out.contexts = r.contexts;
      if (res !== undefined) out.resource = res;
      if (r.interaction === 'operation') out.operation = r.operation;
      return out;
    }),
  );

const allowed = (scopes: readonly Scope[], r: FhirAccessRequest) =>
  decide(compileGrant(scopes), r).allowed;

// ---- properties ---------------------------------------------------------------------------------

describe('Property — SCOPE-01/-02/-05/-07: parse(serialise(x)) equals x', () => {
  it('for every scope the grammar can express', () => {
    fc.assert(
      fc.property(anyScope, (scope) => {
        expect(parseScope(serializeScope(scope))).toEqual(scope);
      }),
      { numRuns: 1000 },
    );
  });

  it('for whole scope lists', () => {
    fc.assert(
      fc.property(fc.array(anyScope, { maxLength: 8 }), (scopes) => {
        expect(parseScopes(serializeScopes(scopes))).toEqual(scopes);
      }),
      RUNS,
    );
  });
});

describe('Property — SCOPE-03: a malformed scope is never reinterpreted', () => {
  const fragments = fc.constantFrom(
    'patient',
    'user',
    'system',
    'launch',
    '/',
    '.',
    '?',
    '&',
    '=',
    '*',
    ',',
    '|',
    ':',
    '__',
    'Observation',
    'observation',
    'c',
    'r',
    'u',
    'd',
    's',
    'rs',
    'read',
    'write',
    'cruds',
    'category',
    'role',
    'http://x.org',
    ' ',
    '\t',
    '\u0000',
    'é',
    '"',
  );
  const text = fc.oneof(
    fc.array(fragments, { maxLength: 10 }).map((parts) => parts.join('')),
    fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  );

  it('parseScope either round-trips the exact text or throws ScopeSyntaxError within the text', () => {
    fc.assert(
      fc.property(text, (input) => {
        let scope: Scope;
        try {
          scope = parseScope(input);
        } catch (error) {
          expect(error).toBeInstanceOf(ScopeSyntaxError);
          const e = error as ScopeSyntaxError;
          expect(e.position).toBeGreaterThanOrEqual(0);
          expect(e.position).toBeLessThanOrEqual(input.length);
          expect(e.scope).toBe(input);
          return;
        }
        expect(serializeScope(scope)).toBe(input);
      }),
      { numRuns: 2000 },
    );
  });

  it('parseScopesLenient never throws and accounts for every token', () => {
    fc.assert(
      fc.property(text, (input) => {
        const { scopes, rejected } = parseScopesLenient(input);
        const tokens = input.split(' ').filter((t) => t !== '');
        expect(scopes.length + rejected.length).toBe(tokens.length);
        for (const r of rejected) {
          // the error position falls inside (or just after) an occurrence of the rejected token
          let found = false;
          for (let at = input.indexOf(r.text); at >= 0; at = input.indexOf(r.text, at + 1)) {
            if (r.error.position >= at && r.error.position <= at + r.text.length) found = true;
          }
          expect(found).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('Property — decisions are monotonic (adding a scope never removes access)', () => {
  it('decide(G + x) allows whatever decide(G) allows', () => {
    fc.assert(
      fc.property(
        grantScopes,
        fc.oneof(v2Clinical(realisticFilter), v1Clinical),
        request,
        (g, x, r) => {
          if (allowed(g, r)) expect(allowed([...g, x], r)).toBe(true);
          if (allowed(g, r)) expect(allowed([x, ...g], r)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('widening scopes gives a superset (isSubset) that allows at least as much', () => {
    const widen = (scope: ClinicalScope) =>
      fc
        .record({
          dropFilters: fc.boolean(),
          wildcard: fc.boolean(),
          extra: fc.integer({ min: 0, max: 31 }),
        })
        .map(({ dropFilters, wildcard, extra }) => ({
          ...scope,
          resourceType: wildcard ? '*' : scope.resourceType,
          permissions: permissionsFromMask(permissionMask(scope.permissions) | extra),
          dialect: 'v2' as const,
          v1Permission: undefined,
          filters: dropFilters ? [] : scope.filters,
        }));
    const pair = grantScopes.chain((a) =>
      fc
        .tuple(
          fc.tuple(...a.map((s) => widen(s as ClinicalScope))),
          fc.array(v1Clinical, { maxLength: 2 }),
        )
        .map(([wide, extra]) => [a, [...extra, ...wide].reverse()] as const),
    );
    fc.assert(
      fc.property(pair, request, ([a, b], r) => {
        expect(isSubset(a, b)).toBe(true);
        if (allowed(a, r)) expect(allowed(b, r)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('normalizeScopes and unionScopes keep access (SCOPE-04 equivalence)', () => {
    fc.assert(
      fc.property(grantScopes, grantScopes, request, (a, b, r) => {
        expect(allowed(normalizeScopes(a), r)).toBe(allowed(a, r));
        expect(isSubset(a, normalizeScopes(a)) && isSubset(normalizeScopes(a), a)).toBe(true);
        const union = unionScopes(a, b);
        if (allowed(a, r) || allowed(b, r)) expect(allowed(union, r)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('intersectScopes never allows what either side refuses', () => {
    fc.assert(
      fc.property(grantScopes, grantScopes, request, (a, b, r) => {
        if (allowed(intersectScopes(a, b), r)) {
          expect(allowed(a, r)).toBe(true);
          expect(allowed(b, r)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('for resource-level scopes, in one context, intersectScopes allows exactly what both allow', () => {
    const plain = fc.array(
      fc.oneof(
        v2Clinical(fc.constant({ name: 'x', value: 'y' })).map((s) => ({ ...s, filters: [] })),
        v1Clinical,
      ),
      { maxLength: 6 },
    );
    // Access is per context: with several accepted contexts, A may allow through patient/ and B
    // through user/ while their intersection has neither.
    fc.assert(
      fc.property(plain, plain, request, fc.constantFrom(...CONTEXTS), (a, b, r, context) => {
        const one = { ...r, contexts: [context] };
        expect(allowed(intersectScopes(a, b), one)).toBe(allowed(a, one) && allowed(b, one));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('Property — SCOPE-02: v1 → v2 → v1 is stable where exact', () => {
  it('every v1 scope survives v1 → v2 → v1 exactly', () => {
    fc.assert(
      fc.property(v1Clinical, (scope) => {
        const v2 = toV2(scope);
        expect(v2.exact).toBe(true);
        const back = toV1(v2.scope);
        expect(back.exact).toBe(true);
        expect(back.scope).toEqual(scope);
      }),
      RUNS,
    );
  });

  it('a v2 scope with an exact v1 form survives v2 → v1 → v2; otherwise v1 over-grants', () => {
    fc.assert(
      fc.property(v2Clinical(realisticFilter), (scope) => {
        const v1 = toV1(scope);
        expect(isSubset([scope], [v1.scope])).toBe(true);
        if (v1.exact) expect(toV2(v1.scope).scope).toEqual(scope);
        else {
          expect(v1.reason).toMatch(/no v1 form|no form for/);
          expect(isSubset([v1.scope], [scope])).toBe(false);
        }
      }),
      RUNS,
    );
  });
});

describe('Property — minimalScopes covers exactly what is needed', () => {
  const op: fc.Arbitrary<IntendedOperation> = fc
    .record({
      context: fc.constantFrom(...CONTEXTS),
      resourceType: fc.constantFrom(...TYPES),
      interaction: fc.constantFrom(...INTERACTIONS),
      operation: fc.constantFrom('$everything', '$export', '$lastn'),
    })
    .map(({ operation, ...rest }) =>
      rest.interaction === 'operation' ? { ...rest, operation } : rest,
    );

  it('allows every intended operation, and every scope is needed', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), (ops) => {
        const scopes = minimalScopes(ops);
        const request = (o: IntendedOperation): FhirAccessRequest => ({
          ...o,
          contexts: [o.context],
        });
        for (const o of ops) expect(allowed(scopes, request(o))).toBe(true);
        for (let i = 0; i < scopes.length; i++) {
          const without = scopes.filter((_, j) => j !== i);
          expect(ops.some((o) => !allowed(without, request(o)))).toBe(true);
        }
        expect(scopes.every((s) => s.kind === 'clinical' && s.dialect === 'v2')).toBe(true);
      }),
      RUNS,
    );
  });
});
