import { exactV1Word, permissionsFromLetters, permissionsFromMask } from './permissions.js';
import type { ClinicalScope, ScopeContext, ScopeDialect, ScopeFilter } from './types.js';

/** Input of {@link createClinicalScope}. */
export interface ClinicalScopeInit {
  readonly context: ScopeContext;
  /** A resource type or `*`. */
  readonly resourceType: string;
  /** v2 letters (`rs`) or a permission mask (see PermissionBit). */
  readonly permissions: string | number;
  /** Default `v2`. `v1` needs permissions rs, cud or cruds and no filters. */
  readonly dialect?: ScopeDialect;
  readonly filters?: readonly ScopeFilter[];
}

/**
 * Builds a clinical scope object (not validated beyond the letters: serializeScope checks the
 * rest). See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 * @throws {ScopeSyntaxError} when `permissions` letters are not an in-order subset of `cruds`
 */
export function createClinicalScope(init: ClinicalScopeInit): ClinicalScope {
  const permissions =
    typeof init.permissions === 'string'
      ? permissionsFromLetters(init.permissions)
      : permissionsFromMask(init.permissions);
  const dialect = init.dialect ?? 'v2';
  return {
    kind: 'clinical',
    context: init.context,
    resourceType: init.resourceType,
    permissions,
    dialect,
    v1Permission: dialect === 'v1' ? exactV1Word(maskOf(init.permissions, permissions)) : undefined,
    filters: init.filters ?? [],
  };
}

function maskOf(input: string | number, permissions: ClinicalScope['permissions']): number {
  if (typeof input === 'number') return input & 31;
  return (
    (permissions.c ? 1 : 0) |
    (permissions.r ? 2 : 0) |
    (permissions.u ? 4 : 0) |
    (permissions.d ? 8 : 0) |
    (permissions.s ? 16 : 0)
  );
}

/** A clinical scope with the given mask; v1 when asked for and exactly expressible. */
export function makeClinical(
  context: ScopeContext,
  resourceType: string,
  mask: number,
  filters: readonly ScopeFilter[],
  preferV1: boolean,
): ClinicalScope {
  const word = preferV1 && filters.length === 0 ? exactV1Word(mask) : undefined;
  return {
    kind: 'clinical',
    context,
    resourceType,
    permissions: permissionsFromMask(mask),
    dialect: word === undefined ? 'v2' : 'v1',
    v1Permission: word,
    filters,
  };
}
