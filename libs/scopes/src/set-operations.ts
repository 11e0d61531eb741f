import { makeClinical } from './clinical.js';
import { expandAlternatives, filtersImply, filtersOverlap } from './filters.js';
import {
  DEFAULT_OPERATION_PERMISSIONS,
  interactionPermission,
  lettersToMask,
  operationLetters,
  permissionMask,
} from './permissions.js';
import { writeScope } from './serialize.js';
import type { ClinicalScope, FhirInteraction, Scope, ScopeContext, ScopeFilter } from './types.js';

function isClinical(scope: Scope): scope is ClinicalScope {
  return scope.kind === 'clinical';
}

function maskOf(scope: ClinicalScope): number {
  return permissionMask(scope.permissions);
}

/** True when `wide` alone grants letter(s) `mask` of (context, type, filters). */
function coversPiece(
  wide: ClinicalScope,
  context: ScopeContext,
  resourceType: string,
  mask: number,
  filters: readonly ScopeFilter[],
): boolean {
  return (
    wide.context === context &&
    (wide.resourceType === '*' || wide.resourceType === resourceType) &&
    (maskOf(wide) & mask) === mask &&
    filtersImply(filters, wide.filters)
  );
}

/** Every access `scope` gives is given by some scope of `by`, letter by letter. */
function clinicalCovered(scope: ClinicalScope, by: readonly ClinicalScope[]): boolean {
  const mask = maskOf(scope);
  const pieces = expandAlternatives(scope.filters) ?? [scope.filters];
  for (const filters of pieces) {
    for (let bit = 1; bit <= 16; bit <<= 1) {
      if (!(mask & bit)) continue;
      if (!by.some((w) => coversPiece(w, scope.context, scope.resourceType, bit, filters))) {
        return false;
      }
    }
  }
  return true;
}

/** Some access is given by both. */
function clinicalOverlap(a: ClinicalScope, b: ClinicalScope): boolean {
  return (
    a.context === b.context &&
    (a.resourceType === b.resourceType || a.resourceType === '*' || b.resourceType === '*') &&
    (maskOf(a) & maskOf(b)) !== 0 &&
    filtersOverlap(a.filters, b.filters)
  );
}

/**
 * True when every access `a` allows, `b` allows too. Clinical scopes combine by union, letter by
 * letter (`patient/Observation.rs` ⊆ `patient/Observation.r patient/Observation.s`, SCOPE-04);
 * a granular scope is within an unfiltered or wider-filtered one. Other scopes must appear in
 * `b` as written. Conservative: it may answer false for a granular scope covered only by several
 * granular scopes together in ways other than comma alternatives.
 * See: SMART App Launch 2.2, §scope-equivalence.
 * @throws never
 */
export function isSubset(a: readonly Scope[], b: readonly Scope[]): boolean {
  const clinical = b.filter(isClinical);
  const others = new Set(b.filter((s) => !isClinical(s)).map(writeScope));
  return a.every((scope) =>
    isClinical(scope) ? clinicalCovered(scope, clinical) : others.has(writeScope(scope)),
  );
}

/** Result of {@link compareScopes}. */
export interface ScopeComparison {
  /** Requested scopes granted in full (possibly through other, wider or split scopes). */
  readonly granted: Scope[];
  /** Requested scopes of which nothing was granted. */
  readonly denied: Scope[];
  /** Requested scopes granted in part, with the granted scopes that overlap them. */
  readonly narrowed: { readonly requested: Scope; readonly granted: Scope[] }[];
  /** Granted scopes that overlap no requested scope (a server may grant others, SCOPE-04). */
  readonly unrequested: Scope[];
}

/**
 * Compares what an app requested with what the server granted (SCOPE-04: granted ≠ requested is
 * legal; the app must read the granted `scope` and degrade).
 * See: SMART App Launch 2.2, §wildcard-scopes (granted-scope examples).
 * @throws never
 */
export function compareScopes(
  requested: readonly Scope[],
  granted: readonly Scope[],
): ScopeComparison {
  const grantedClinical = granted.filter(isClinical);
  const grantedOthers = new Set(granted.filter((s) => !isClinical(s)).map(writeScope));
  const result: ScopeComparison = { granted: [], denied: [], narrowed: [], unrequested: [] };
  for (const scope of requested) {
    if (!isClinical(scope)) {
      (grantedOthers.has(writeScope(scope)) ? result.granted : result.denied).push(scope);
    } else if (clinicalCovered(scope, grantedClinical)) {
      result.granted.push(scope);
    } else {
      const overlapping = grantedClinical.filter((g) => clinicalOverlap(scope, g));
      if (overlapping.length === 0) result.denied.push(scope);
      else result.narrowed.push({ requested: scope, granted: overlapping });
    }
  }
  const requestedClinical = requested.filter(isClinical);
  const requestedOthers = new Set(requested.filter((s) => !isClinical(s)).map(writeScope));
  for (const scope of granted) {
    const touched = isClinical(scope)
      ? requestedClinical.some((r) => clinicalOverlap(r, scope))
      : requestedOthers.has(writeScope(scope));
    if (!touched) result.unrequested.push(scope);
  }
  return result;
}

/** Options of {@link normalizeScopes}. */
export interface NormalizeOptions {
  /** Keep v1 spelling when every merged scope was v1 and the result has a v1 word. Default true. */
  readonly keepDialect?: boolean;
}

/**
 * The shortest equivalent list (SCOPE-04 "factored to their shortest form"): duplicates removed,
 * letters of the same context, type and filters merged (`.r` + `.s` → `.rs`), scopes covered by
 * another single scope dropped (`patient/Observation.rs` next to `patient/*.rs`). Order of first
 * appearance is kept.
 * See: SMART App Launch 2.2, §scope-equivalence.
 * @throws never
 */
export function normalizeScopes(scopes: readonly Scope[], options: NormalizeOptions = {}): Scope[] {
  const keepDialect = options.keepDialect ?? true;
  type Group = { scope: ClinicalScope; mask: number; allV1: boolean };
  const slots: (Scope | Group)[] = [];
  const seen = new Map<string, Group | true>();
  for (const scope of scopes) {
    if (!isClinical(scope)) {
      const key = `${scope.kind} ${writeScope(scope)}`;
      if (!seen.has(key)) {
        seen.set(key, true);
        slots.push(scope);
      }
      continue;
    }
    const key = `${scope.context}/${scope.resourceType}?${scope.filters.map((f) => `${f.name}=${f.value}`).join('&')}`;
    const group = seen.get(key);
    if (group === undefined || group === true) {
      const created: Group = { scope, mask: maskOf(scope), allV1: scope.dialect === 'v1' };
      seen.set(key, created);
      slots.push(created);
    } else {
      group.mask |= maskOf(scope);
      group.allV1 &&= scope.dialect === 'v1';
    }
  }
  const merged: Scope[] = slots.map((slot) =>
    'kind' in slot
      ? slot
      : makeClinical(
          slot.scope.context,
          slot.scope.resourceType,
          slot.mask,
          slot.scope.filters,
          keepDialect && slot.allV1,
        ),
  );
  // Drop scopes covered by another single kept scope; from the end, so of two equivalent
  // scopes the first stays.
  const dropped = new Set<number>();
  for (let i = merged.length - 1; i >= 0; i--) {
    const scope = merged[i] as Scope;
    if (!isClinical(scope)) continue;
    const mask = maskOf(scope);
    const coveredBy = merged.some(
      (other, j) =>
        j !== i &&
        !dropped.has(j) &&
        isClinical(other) &&
        coversPiece(other, scope.context, scope.resourceType, mask, scope.filters),
    );
    if (coveredBy) dropped.add(i);
  }
  return merged.filter((_, i) => !dropped.has(i));
}

/**
 * Everything either list allows, in shortest form (see {@link normalizeScopes}).
 * See: SMART App Launch 2.2, §scope-equivalence.
 * @throws never
 */
export function unionScopes(...lists: readonly (readonly Scope[])[]): Scope[] {
  return normalizeScopes(lists.flat());
}

/**
 * What both lists allow: clinical scopes intersect on context, type (`*` meets any type),
 * letters and filters (filters of both apply together); other scopes must appear in both.
 * Order follows `a`. See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 * @throws never
 */
export function intersectScopes(a: readonly Scope[], b: readonly Scope[]): Scope[] {
  const bClinical = b.filter(isClinical);
  const bOthers = new Set(b.filter((s) => !isClinical(s)).map(writeScope));
  const out: Scope[] = [];
  for (const x of a) {
    if (!isClinical(x)) {
      if (bOthers.has(writeScope(x))) out.push(x);
      continue;
    }
    for (const y of bClinical) {
      if (x.context !== y.context) continue;
      const resourceType =
        x.resourceType === '*'
          ? y.resourceType
          : y.resourceType === '*' || y.resourceType === x.resourceType
            ? x.resourceType
            : undefined;
      if (resourceType === undefined) continue;
      const mask = maskOf(x) & maskOf(y);
      if (mask === 0) continue;
      let filters: readonly ScopeFilter[];
      if (filtersImply(y.filters, x.filters)) filters = y.filters;
      else if (filtersImply(x.filters, y.filters)) filters = x.filters;
      else if (!filtersOverlap(x.filters, y.filters)) continue;
      else {
        const texts = new Set(x.filters.map((f) => `${f.name}=${f.value}`));
        filters = [...x.filters, ...y.filters.filter((f) => !texts.has(`${f.name}=${f.value}`))];
      }
      out.push(
        makeClinical(
          x.context,
          resourceType,
          mask,
          filters,
          x.dialect === 'v1' && y.dialect === 'v1',
        ),
      );
    }
  }
  return normalizeScopes(out);
}

/** One FHIR operation an app intends to perform (input of {@link minimalScopes}). */
export interface IntendedOperation {
  readonly context: ScopeContext;
  /** A resource type, or `*` for system-level interactions. */
  readonly resourceType: string;
  readonly interaction: FhirInteraction;
  /** For interaction `operation`, its name (`$everything`). */
  readonly operation?: string;
}

/** Options of {@link minimalScopes}. */
export interface MinimalScopesOptions {
  /**
   * `never` (default): one scope per context and type. `always`: one `context/*` scope per
   * context. `{ minTypes }`: types of a context that need the same letters become one
   * `context/*` scope once there are at least `minTypes` of them. Wildcards also cover types
   * added in the future (AUTHZ-12), so they are opt-in.
   */
  readonly wildcard?: 'never' | 'always' | { readonly minTypes: number };
  /** Extra operation mappings, as for compileGrant. */
  readonly operations?: Readonly<Record<string, string>>;
}

/**
 * An operation in {@link minimalScopes} input has no permission mapping (code `operation_not_mapped`).
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources (no operation scopes are defined).
 */
export class UnmappedOperationError extends Error {
  readonly code = 'operation_not_mapped';
  readonly operation: string | undefined;
  constructor(operation: string | undefined) {
    super(
      operation === undefined
        ? 'interaction operation needs an operation name'
        : `operation ${operation} has no permission mapping; pass it in the operations option`,
    );
    this.name = 'UnmappedOperationError';
    this.operation = operation;
  }
}

/**
 * The smallest v2 scope list that allows every intended operation: one scope per context and
 * resource type with the letters merged (SCOPE-04 shortest form), in order of first use.
 * See: SMART App Launch 2.2, §scope-equivalence; best practice "request only what you need".
 * @throws {UnmappedOperationError} for an `operation` with no mapping
 * @throws {TypeError} for an interaction that is not a FhirInteraction
 * @throws {ScopeSyntaxError} when an `operations` option mapping has invalid letters
 */
export function minimalScopes(
  operations: readonly IntendedOperation[],
  options: MinimalScopesOptions = {},
): Scope[] {
  const table = { ...DEFAULT_OPERATION_PERMISSIONS, ...options.operations };
  const groups = new Map<string, { context: ScopeContext; resourceType: string; mask: number }>();
  for (const op of operations) {
    let mask: number;
    if (op.interaction === 'operation') {
      const letters = operationLetters(table, op.operation);
      if (letters === undefined) throw new UnmappedOperationError(op.operation);
      mask = lettersToMask(letters, 0, letters.length);
    } else {
      const bit = interactionPermission(op.interaction);
      if (bit === undefined) throw new TypeError(`unknown interaction '${String(op.interaction)}'`);
      mask = bit;
    }
    const key = `${op.context}/${op.resourceType}`;
    const group = groups.get(key);
    if (group) group.mask |= mask;
    else groups.set(key, { context: op.context, resourceType: op.resourceType, mask });
  }
  let list = [...groups.values()];
  const wildcard = options.wildcard ?? 'never';
  if (wildcard === 'always') {
    const byContext = new Map<ScopeContext, number>();
    for (const g of list) byContext.set(g.context, (byContext.get(g.context) ?? 0) | g.mask);
    list = [...byContext].map(([context, mask]) => ({ context, resourceType: '*', mask }));
  } else if (wildcard !== 'never') {
    const counts = new Map<string, number>();
    for (const g of list) {
      if (g.resourceType === '*') continue;
      const key = `${g.context} ${g.mask}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const next: typeof list = [];
    for (const g of list) {
      const key = `${g.context} ${g.mask}`;
      const count = counts.get(key) ?? 0;
      if (g.resourceType !== '*' && count >= wildcard.minTypes) {
        // The first type of a large enough group becomes the wildcard; normalizeScopes then
        // drops the other types, which it covers.
        counts.set(key, 0);
        next.push({ context: g.context, resourceType: '*', mask: g.mask });
      } else {
        next.push(g);
      }
    }
    list = next;
  }
  return normalizeScopes(
    list.map((g) => makeClinical(g.context, g.resourceType, g.mask, [], false)),
  );
}
