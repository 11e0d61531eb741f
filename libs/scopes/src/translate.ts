import { makeClinical } from './clinical.js';
import {
  ALL_PERMISSIONS,
  exactV1Word,
  permissionLetters,
  permissionMask,
  READ_PERMISSIONS,
  WRITE_PERMISSIONS,
} from './permissions.js';
import { normalizeScopes } from './set-operations.js';
import { writeScope } from './serialize.js';
import type { Scope, ScopeDialect } from './types.js';

/** Result of a dialect translation. */
export interface Translation {
  readonly scope: Scope;
  /** False when the result grants more than the input (it never grants less). */
  readonly exact: boolean;
  /** Why the translation is not exact. */
  readonly reason?: string;
}

/**
 * v1 → v2 (`read` = `rs`, `write` = `cud`, `*` = `cruds`); always exact. Non-clinical and v2
 * scopes are returned unchanged.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources (SCOPE-02).
 * @throws never
 */
export function toV2(scope: Scope): Translation {
  if (scope.kind !== 'clinical' || scope.dialect === 'v2') return { scope, exact: true };
  return {
    scope: makeClinical(
      scope.context,
      scope.resourceType,
      permissionMask(scope.permissions),
      scope.filters,
      false,
    ),
    exact: true,
  };
}

/**
 * v2 → v1, for EHRs and registrations that speak only v1. `rs`, `cud` and `cruds` translate
 * exactly; any other letters become the smallest v1 word that covers them (`r` → `read`,
 * `c` → `write`, `rsc` → `*`) and granular filters are dropped: the result then over-grants and
 * `exact` is false, with the reason. Non-clinical and v1 scopes are returned unchanged.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources (SCOPE-02, SCOPE-05).
 * @throws never
 */
export function toV1(scope: Scope): Translation {
  if (scope.kind !== 'clinical' || scope.dialect === 'v1') return { scope, exact: true };
  const mask = permissionMask(scope.permissions);
  const reasons: string[] = [];
  let wide = mask;
  if (exactV1Word(mask) === undefined) {
    wide =
      (mask & ~READ_PERMISSIONS) === 0
        ? READ_PERMISSIONS
        : (mask & ~WRITE_PERMISSIONS) === 0
          ? WRITE_PERMISSIONS
          : ALL_PERMISSIONS;
    reasons.push(
      `v1 has no form for '${permissionLetters(mask)}'; '${exactV1Word(wide)}' also grants '${permissionLetters(wide & ~mask)}'`,
    );
  }
  if (scope.filters.length > 0) {
    reasons.push(
      `granular filters (${scope.filters.map((f) => `${f.name}=${f.value}`).join('&')}) have no v1 form; the v1 scope covers every ${scope.resourceType === '*' ? 'resource' : scope.resourceType}`,
    );
  }
  const result = makeClinical(scope.context, scope.resourceType, wide, [], true);
  return reasons.length === 0
    ? { scope: result, exact: true }
    : { scope: result, exact: false, reason: reasons.join('; ') };
}

/** Result of {@link translateScopes}. */
export interface ScopesTranslation {
  readonly scopes: Scope[];
  /** True when every scope translated exactly. */
  readonly exact: boolean;
  /** The inputs (after merging letters per resource type) that over-grant, and why. */
  readonly inexact: { readonly scope: Scope; readonly reason: string }[];
}

/**
 * Translates a whole scope list to one dialect. For v1, letters of the same context, type and
 * filters are merged first (`patient/Observation.r patient/Observation.s` → exact
 * `patient/Observation.read`), and a mask spanning both groups becomes `read` + `write` pieces,
 * exact when each piece is complete (`crus` → `read write`, inexact: `write` adds `d`).
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources (SCOPE-02, SCOPE-04).
 * @throws never
 */
export function translateScopes(
  scopes: readonly Scope[],
  dialect: ScopeDialect,
): ScopesTranslation {
  if (dialect === 'v2') {
    return { scopes: scopes.map((s) => toV2(s).scope), exact: true, inexact: [] };
  }
  const out: Scope[] = [];
  const inexact: { scope: Scope; reason: string }[] = [];
  for (const scope of normalizeScopes(scopes, { keepDialect: false })) {
    if (scope.kind !== 'clinical') {
      out.push(scope);
      continue;
    }
    const mask = permissionMask(scope.permissions);
    const parts =
      exactV1Word(mask) !== undefined
        ? [mask]
        : [mask & READ_PERMISSIONS, mask & WRITE_PERMISSIONS].filter((m) => m !== 0);
    const reasons: string[] = [];
    for (const part of parts) {
      const t = toV1(makeClinical(scope.context, scope.resourceType, part, scope.filters, false));
      out.push(t.scope);
      if (!t.exact && t.reason !== undefined) reasons.push(t.reason);
    }
    if (reasons.length > 0)
      inexact.push({ scope, reason: `${writeScope(scope)}: ${reasons.join('; ')}` });
  }
  return { scopes: normalizeScopes(out), exact: inexact.length === 0, inexact };
}
