import { ScopeSyntaxCode, ScopeSyntaxError } from './errors.js';
import type { FhirInteraction, Permissions, V1Permission } from './types.js';

/**
 * Bit per permission letter; a permission mask is their OR. Letter order = bit order.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 */
export const PermissionBit = { c: 1, r: 2, u: 4, d: 8, s: 16 } as const;
export type PermissionBit = (typeof PermissionBit)[keyof typeof PermissionBit];

/** Every letter: `cruds` (v1 `*`). See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources. */
export const ALL_PERMISSIONS = 31;
/** v1 `read` ⇒ v2 `rs` (SCOPE-02). See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources. */
export const READ_PERMISSIONS = PermissionBit.r | PermissionBit.s;
/** v1 `write` ⇒ v2 `cud` (SCOPE-02). See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources. */
export const WRITE_PERMISSIONS = PermissionBit.c | PermissionBit.u | PermissionBit.d;

const LETTERS = 'cruds';

/** Frozen Permissions objects, one per mask, so parsing allocates none. */
const PERMISSIONS_BY_MASK: readonly Permissions[] = Array.from({ length: 32 }, (_, m) =>
  Object.freeze({
    c: (m & 1) !== 0,
    r: (m & 2) !== 0,
    u: (m & 4) !== 0,
    d: (m & 8) !== 0,
    s: (m & 16) !== 0,
  }),
);

const LETTERS_BY_MASK: readonly string[] = Array.from({ length: 32 }, (_, m) => {
  let out = '';
  for (let i = 0; i < 5; i++) if (m & (1 << i)) out += LETTERS[i];
  return out;
});

/**
 * The permission mask (bit set of {@link PermissionBit}) of a Permissions object.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 * @throws never
 */
export function permissionMask(p: Permissions): number {
  return (p.c ? 1 : 0) | (p.r ? 2 : 0) | (p.u ? 4 : 0) | (p.d ? 8 : 0) | (p.s ? 16 : 0);
}

/**
 * The (shared, frozen) Permissions object for a mask.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 * @throws never (bits above 31 are ignored)
 */
export function permissionsFromMask(mask: number): Permissions {
  return PERMISSIONS_BY_MASK[mask & ALL_PERMISSIONS] as Permissions;
}

/**
 * The v2 letters of a permission set in canonical order (`rs`, `cud`, `cruds`; `''` for none).
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 * @throws never
 */
export function permissionLetters(p: Permissions | number): string {
  const mask = typeof p === 'number' ? p : permissionMask(p);
  return LETTERS_BY_MASK[mask & ALL_PERMISSIONS] as string;
}

/**
 * Permissions from v2 letters. Letters must be a non-empty in-order subset of `cruds`.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources (SCOPE-01).
 * @throws {ScopeSyntaxError} `permissions_missing`, `permission_unknown`,
 *   `permissions_out_of_order` or `permission_repeated` (position = index in `letters`)
 */
export function permissionsFromLetters(letters: string): Permissions {
  return permissionsFromMask(lettersToMask(letters, 0, letters.length));
}

/** Parses the v2 letters in `scope[start, end)`; errors name the position in `scope`. */
export function lettersToMask(scope: string, start: number, end: number): number {
  if (end <= start) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.PermissionsMissing, scope, start);
  }
  let mask = 0;
  let last = -1;
  for (let i = start; i < end; i++) {
    const index = letterIndex(scope.charCodeAt(i));
    if (index < 0) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.PermissionUnknown, scope, i, {
        detail: unknownPermissionDetail(scope.slice(start, end), i - start),
      });
    }
    if (index === last) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.PermissionRepeated, scope, i, {
        detail: `'${scope[i]}' appears twice`,
      });
    }
    if (index < last) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.PermissionsOutOfOrder, scope, i, {
        detail: `'${scope[i]}' comes after '${LETTERS[last]}'`,
      });
    }
    last = index;
    mask |= 1 << index;
  }
  return mask;
}

function letterIndex(code: number): number {
  switch (code) {
    case 0x63: // c
      return 0;
    case 0x72: // r
      return 1;
    case 0x75: // u
      return 2;
    case 0x64: // d
      return 3;
    case 0x73: // s
      return 4;
    default:
      return -1;
  }
}

function unknownPermissionDetail(letters: string, i: number): string {
  const lower = letters.toLowerCase();
  if (lower === 'read' || lower === 'write') {
    return `v1 permissions are lowercase: '${lower}', not '${letters}'`;
  }
  if (lower === 'search') return `'search' is not a SMART permission (v1 'read' or v2 's')`;
  return `'${letters[i]}' is not one of c r u d s`;
}

/** Mask of a v1 word (SCOPE-02). */
export function v1Mask(word: V1Permission): number {
  return word === 'read'
    ? READ_PERMISSIONS
    : word === 'write'
      ? WRITE_PERMISSIONS
      : ALL_PERMISSIONS;
}

/** The v1 word whose meaning is exactly `mask`, or undefined. */
export function exactV1Word(mask: number): V1Permission | undefined {
  if (mask === READ_PERMISSIONS) return 'read';
  if (mask === WRITE_PERMISSIONS) return 'write';
  if (mask === ALL_PERMISSIONS) return '*';
  return undefined;
}

/**
 * The permission letter an interaction needs, per SCOPE-01 (`r`: read, vread, instance history;
 * `s`: type/system search and history; `c`: create; `u`: update, patch; `d`: delete).
 * `operation` is absent: operations use {@link DEFAULT_OPERATION_PERMISSIONS}.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 */
export const INTERACTION_PERMISSION: Readonly<
  Record<Exclude<FhirInteraction, 'operation'>, PermissionBit>
> = {
  read: PermissionBit.r,
  vread: PermissionBit.r,
  'history-instance': PermissionBit.r,
  search: PermissionBit.s,
  'search-system': PermissionBit.s,
  'history-type': PermissionBit.s,
  'history-system': PermissionBit.s,
  create: PermissionBit.c,
  update: PermissionBit.u,
  patch: PermissionBit.u,
  delete: PermissionBit.d,
};

/**
 * The permission bit an interaction needs (see {@link INTERACTION_PERMISSION}); undefined for
 * `operation` and for anything that is not an interaction (safe against `constructor` & co.).
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 * @throws never
 */
export function interactionPermission(interaction: string): PermissionBit | undefined {
  switch (interaction) {
    case 'read':
    case 'vread':
    case 'history-instance':
      return PermissionBit.r;
    case 'search':
    case 'search-system':
    case 'history-type':
    case 'history-system':
      return PermissionBit.s;
    case 'create':
      return PermissionBit.c;
    case 'update':
    case 'patch':
      return PermissionBit.u;
    case 'delete':
      return PermissionBit.d;
    default:
      return undefined;
  }
}

/** The letters `table` maps `operation` to, own properties only. */
export function operationLetters(
  table: Readonly<Record<string, string>>,
  operation: string | undefined,
): string | undefined {
  return operation !== undefined && Object.hasOwn(table, operation) ? table[operation] : undefined;
}

/**
 * Letters an operation needs on its resource type. SMART defines no operation scopes; these are
 * this library's defaults (documented in the README). Others are denied (`operation_not_mapped`)
 * unless given to compileGrant / minimalScopes through `operations`.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources; Bulk Data 2.0 §scopes.
 */
export const DEFAULT_OPERATION_PERMISSIONS: Readonly<Record<string, string>> = {
  // Patient/[id]/$everything reads one patient's compartment: instance-level read.
  $everything: 'r',
  // Bulk Data: `system/*.read` (v1) / `*.rs`; each exported type is a search over that type.
  $export: 's',
  // US Core / FHIR Observation/$lastn and DocumentReference/$docref are searches.
  $lastn: 's',
  $docref: 's',
};
