import { ScopeSyntaxCode, ScopeSyntaxError } from './errors.js';
import { parseScope } from './parse.js';
import { exactV1Word, permissionLetters, permissionMask, v1Mask } from './permissions.js';
import type { ClinicalScope, Scope } from './types.js';

/**
 * Writes one scope in its wire form. v1 scopes keep their word (`read`, `write`, `*`), v2 scopes
 * their letters in `cruds` order, filters their written order; `unknown` and `extension` scopes
 * are written verbatim. The result is checked with {@link parseScope}, so an invalid hand-built
 * scope never reaches the wire.
 * See: SMART App Launch 2.2, §clinical-scope-syntax.
 * @throws {ScopeSyntaxError} when the scope cannot be written as a valid scope string
 *   (e.g. no permission: `permissions_missing`; a v1 scope whose permissions are not rs/cud/cruds:
 *   `permissions_not_v1`)
 */
export function serializeScope(scope: Scope): string {
  const text = writeScope(scope);
  parseScope(text);
  return text;
}

/**
 * Writes scopes space-separated, in the given order (RFC 6749 §3.3).
 * See: SMART App Launch 2.2, §scopes-and-launch-context.
 * @throws {ScopeSyntaxError} as {@link serializeScope}
 */
export function serializeScopes(scopes: readonly Scope[]): string {
  return scopes.map(serializeScope).join(' ');
}

/** The wire form without validation (internal: callers validated already). */
export function writeScope(scope: Scope): string {
  switch (scope.kind) {
    case 'clinical':
      return writeClinical(scope);
    case 'launch':
      if (scope.target === undefined) return 'launch';
      return scope.role === undefined
        ? `launch/${scope.target}`
        : `launch/${scope.target}?role=${scope.role}`;
    case 'openid':
    case 'fhirUser':
    case 'profile':
    case 'offline_access':
    case 'online_access':
      return scope.kind;
    case 'extension':
    case 'unknown':
      return scope.raw;
  }
}

function writeClinical(scope: ClinicalScope): string {
  const mask = permissionMask(scope.permissions);
  const head = `${scope.context}/${scope.resourceType}.`;
  let permissions: string;
  if (scope.dialect === 'v1') {
    const word = exactV1Word(mask);
    if (
      word === undefined ||
      (scope.v1Permission !== undefined && v1Mask(scope.v1Permission) !== mask)
    ) {
      throw new ScopeSyntaxError(
        ScopeSyntaxCode.PermissionsNotV1,
        `${head}${permissionLetters(mask)}`,
        head.length,
        { detail: `v2 letters '${permissionLetters(mask)}' with v1 word '${scope.v1Permission}'` },
      );
    }
    permissions = word;
  } else {
    permissions = permissionLetters(mask);
  }
  if (scope.filters.length === 0) return head + permissions;
  let query = '';
  for (const filter of scope.filters) {
    query += `${query === '' ? '?' : '&'}${filter.name}=${filter.value}`;
  }
  return head + permissions + query;
}

const SMART_SCOPE_URI = 'http://smarthealthit.org/fhir/scopes/';
const OPENID_SCOPE_URI = 'http://openid.net/specs/openid-connect-core-1_0#';

/**
 * The URI form of a scope (SCOPE-09): SMART scopes prefixed with
 * `http://smarthealthit.org/fhir/scopes/`, OpenID Connect scopes (`openid`, `profile`,
 * `offline_access`) with `http://openid.net/specs/openid-connect-core-1_0#`, URI extension scopes
 * as they are. `__` extensions and unknown scopes have no URI form: undefined.
 * See: SMART App Launch 2.2, §appendix-uri-representation-of-scopes.
 * @throws {ScopeSyntaxError} as {@link serializeScope}
 */
export function toScopeUri(scope: Scope): string | undefined {
  switch (scope.kind) {
    case 'openid':
    case 'profile':
    case 'offline_access':
      return OPENID_SCOPE_URI + scope.kind;
    case 'extension':
      return scope.form === 'uri' ? scope.raw : undefined;
    case 'unknown':
      return undefined;
    case 'clinical':
    case 'launch':
    case 'fhirUser':
    case 'online_access':
      return SMART_SCOPE_URI + serializeScope(scope);
  }
}

/**
 * Reads the URI form of a scope (SCOPE-09) back into a scope. A URI without either prefix is a
 * URI extension scope. Error positions are indexes in `uri`.
 * See: SMART App Launch 2.2, §appendix-uri-representation-of-scopes.
 * @throws {ScopeSyntaxError} when the part after the prefix is not a valid scope
 */
export function parseScopeUri(uri: string): Scope {
  for (const prefix of [SMART_SCOPE_URI, OPENID_SCOPE_URI]) {
    if (uri.startsWith(prefix) && uri.length > prefix.length) {
      try {
        return parseScope(uri.slice(prefix.length));
      } catch (error) {
        throw error instanceof ScopeSyntaxError ? error.withOffset(prefix.length) : error;
      }
    }
  }
  return parseScope(uri);
}
