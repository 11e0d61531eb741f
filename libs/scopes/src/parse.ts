import {
  MAX_SCOPE_LENGTH,
  MAX_SCOPES_LENGTH,
  ScopeSyntaxCode,
  ScopeSyntaxError,
} from './errors.js';
import {
  ALL_PERMISSIONS,
  lettersToMask,
  permissionsFromMask,
  READ_PERMISSIONS,
  WRITE_PERMISSIONS,
} from './permissions.js';
import type {
  ClinicalScope,
  LaunchScope,
  Scope,
  ScopeContext,
  ScopeFilter,
  V1Permission,
} from './types.js';

const EMPTY_FILTERS: readonly ScopeFilter[] = Object.freeze([]);

const OPENID: Scope = Object.freeze({ kind: 'openid' });
const FHIR_USER: Scope = Object.freeze({ kind: 'fhirUser' });
const PROFILE: Scope = Object.freeze({ kind: 'profile' });
const OFFLINE_ACCESS: Scope = Object.freeze({ kind: 'offline_access' });
const ONLINE_ACCESS: Scope = Object.freeze({ kind: 'online_access' });
const LAUNCH: Scope = Object.freeze({ kind: 'launch', target: undefined, role: undefined });

/**
 * Parses one scope token. Well-formed tokens the library does not model (vendor scopes) come back
 * as `unknown`, extension scopes (`__x`, full URIs) as `extension`, both verbatim. A token that
 * starts like a SMART scope (`patient/`, `user/`, `system/`, `launch/`) but breaks its grammar
 * is an error: it is never reinterpreted (SCOPE-03).
 * See: SMART App Launch 2.2, §scopes-and-launch-context; checklist SCOPE-01..11.
 * @throws {ScopeSyntaxError} with `code`, `rule` and 0-based `position` of the first problem
 */
export function parseScope(text: string): Scope {
  const n = text.length;
  if (n === 0) throw new ScopeSyntaxError(ScopeSyntaxCode.Empty, text, 0);
  if (n > MAX_SCOPE_LENGTH) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.TooLong, text, MAX_SCOPE_LENGTH, {
      detail: `${n} characters`,
    });
  }
  let slash = -1;
  let colon = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x5c) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.InvalidCharacter, text, i, {
        detail: describeCharacter(c),
      });
    }
    if (c === 0x2f) {
      if (slash < 0) slash = i;
    } else if (c === 0x3a && colon < 0) {
      colon = i;
    }
  }
  switch (text) {
    case 'launch':
      return LAUNCH;
    case 'openid':
      return OPENID;
    case 'fhirUser':
      return FHIR_USER;
    case 'profile':
      return PROFILE;
    case 'offline_access':
      return OFFLINE_ACCESS;
    case 'online_access':
      return ONLINE_ACCESS;
  }
  // LAUNCH-10: extension scopes are a `__` prefix or a full URI.
  if (text.charCodeAt(0) === 0x5f && text.charCodeAt(1) === 0x5f) {
    return { kind: 'extension', raw: text, form: 'underscore' };
  }
  if (colon > 0 && (slash < 0 || colon < slash) && isUriScheme(text, colon)) {
    return { kind: 'extension', raw: text, form: 'uri' };
  }
  if (slash < 0) return { kind: 'unknown', raw: text };
  if (slash === 7 && text.startsWith('patient')) return parseClinical(text, 'patient', 8);
  if (slash === 4 && text.startsWith('user')) return parseClinical(text, 'user', 5);
  if (slash === 6) {
    if (text.startsWith('system')) return parseClinical(text, 'system', 7);
    if (text.startsWith('launch')) return parseLaunch(text, 7);
  }
  if (slash === 0) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.ContextInvalid, text, 0, {
      detail: 'nothing before /',
    });
  }
  const prefix = text.slice(0, slash);
  const lower = prefix.toLowerCase();
  if (lower === 'patient' || lower === 'user' || lower === 'system' || lower === 'launch') {
    throw new ScopeSyntaxError(ScopeSyntaxCode.ContextInvalid, text, 0, {
      detail: `'${prefix}' must be written '${lower}'`,
    });
  }
  // Anything else with a slash (athena's `athena/service/…`) is a vendor scope: kept verbatim.
  return { kind: 'unknown', raw: text };
}

/**
 * Parses a space-separated scope string (an OAuth `scope` parameter). Runs of spaces and leading
 * or trailing spaces are allowed; `""` is an empty list. Order and duplicates are kept.
 * See: RFC 6749 §3.3; SMART App Launch 2.2, §scopes-and-launch-context.
 * @throws {ScopeSyntaxError} for the first malformed member; `position` is its index in the whole
 *   string; `too_long` when the string exceeds {@link MAX_SCOPES_LENGTH}
 */
export function parseScopes(spaceSeparated: string): Scope[] {
  checkListLength(spaceSeparated);
  const out: Scope[] = [];
  const n = spaceSeparated.length;
  let i = 0;
  while (i < n) {
    if (spaceSeparated.charCodeAt(i) === 0x20) {
      i++;
      continue;
    }
    let j = spaceSeparated.indexOf(' ', i);
    if (j < 0) j = n;
    try {
      out.push(parseScope(i === 0 && j === n ? spaceSeparated : spaceSeparated.slice(i, j)));
    } catch (error) {
      throw error instanceof ScopeSyntaxError ? error.withOffset(i) : error;
    }
    i = j;
  }
  return out;
}

/** A member {@link parseScopesLenient} left out, with the reason. */
export interface RejectedScope {
  readonly text: string;
  readonly error: ScopeSyntaxError;
}

/**
 * Like {@link parseScopes}, but malformed members are set aside instead of failing the whole
 * string (for servers that ignore scopes they cannot honour, SCOPE-03). Error positions are
 * indexes in the whole string. An over-long string is rejected as one member.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 * @throws never
 */
export function parseScopesLenient(text: string): {
  scopes: Scope[];
  rejected: RejectedScope[];
} {
  const scopes: Scope[] = [];
  const rejected: RejectedScope[] = [];
  try {
    checkListLength(text);
  } catch (error) {
    rejected.push({ text, error: error as ScopeSyntaxError });
    return { scopes, rejected };
  }
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) === 0x20) {
      i++;
      continue;
    }
    let j = text.indexOf(' ', i);
    if (j < 0) j = n;
    const token = text.slice(i, j);
    try {
      scopes.push(parseScope(token));
    } catch (error) {
      if (!(error instanceof ScopeSyntaxError)) throw error;
      rejected.push({ text: token, error: error.withOffset(i) });
    }
    i = j;
  }
  return { scopes, rejected };
}

function checkListLength(text: string): void {
  if (text.length > MAX_SCOPES_LENGTH) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.TooLong, text, MAX_SCOPES_LENGTH, {
      detail: `scope string of ${text.length} characters`,
    });
  }
}

function parseClinical(text: string, context: ScopeContext, start: number): ClinicalScope {
  const n = text.length;
  let i = start;
  if (i >= n) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.ResourceTypeMissing, text, i);
  }
  let c = text.charCodeAt(i);
  let resourceType: string;
  if (c === 0x2a) {
    i++;
    resourceType = '*';
  } else if (c >= 0x41 && c <= 0x5a) {
    i++;
    while (i < n && isAsciiLetter(text.charCodeAt(i))) i++;
    if (i - start < 2) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.ResourceTypeInvalid, text, start, {
        detail: 'a resource type has at least two letters',
      });
    }
    resourceType = text.slice(start, i);
  } else if (c === 0x2e || c === 0x2f || c === 0x3f) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.ResourceTypeMissing, text, i, {
      detail: `'${text[i]}' where the resource type should be`,
    });
  } else {
    throw new ScopeSyntaxError(ScopeSyntaxCode.ResourceTypeInvalid, text, i, {
      detail: c >= 0x61 && c <= 0x7a ? 'resource types start with an uppercase letter' : undefined,
    });
  }
  if (i >= n) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.PermissionsMissing, text, n, {
      detail: `expected '.' and permissions after '${resourceType}'`,
    });
  }
  c = text.charCodeAt(i);
  if (c !== 0x2e) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.ResourceTypeInvalid, text, i, {
      detail: `'${text[i]}' cannot appear in a resource type`,
    });
  }
  const p = i + 1;
  let q = text.indexOf('?', p);
  if (q < 0) q = n;
  let mask: number;
  let v1Permission: V1Permission | undefined;
  const length = q - p;
  if (length === 4 && text.startsWith('read', p)) {
    v1Permission = 'read';
    mask = READ_PERMISSIONS;
  } else if (length === 5 && text.startsWith('write', p)) {
    v1Permission = 'write';
    mask = WRITE_PERMISSIONS;
  } else if (length === 1 && text.charCodeAt(p) === 0x2a) {
    v1Permission = '*';
    mask = ALL_PERMISSIONS;
  } else {
    mask = lettersToMask(text, p, q);
  }
  let filters = EMPTY_FILTERS;
  if (q < n) {
    if (v1Permission !== undefined) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.FilterWithV1, text, q, {
        detail: `v1 '.${v1Permission}' cannot be narrowed; use v2 letters`,
      });
    }
    filters = parseFilters(text, q + 1);
  }
  return {
    kind: 'clinical',
    context,
    resourceType,
    permissions: permissionsFromMask(mask),
    dialect: v1Permission === undefined ? 'v2' : 'v1',
    v1Permission,
    filters,
  };
}

function parseFilters(text: string, start: number): ScopeFilter[] {
  const n = text.length;
  const filters: ScopeFilter[] = [];
  let segment = start;
  if (segment === n) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.FilterEmpty, text, segment, {
      detail: "nothing after '?'",
    });
  }
  for (;;) {
    let amp = text.indexOf('&', segment);
    if (amp < 0) amp = n;
    if (amp === segment) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.FilterEmpty, text, segment, {
        detail: segment === start ? "'&' right after '?'" : "empty item between '&'",
      });
    }
    const eq = text.indexOf('=', segment);
    if (eq < 0 || eq > amp) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.FilterValueMissing, text, amp, {
        detail: `'${text.slice(segment, amp)}' has no '='`,
      });
    }
    if (eq === segment) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.FilterNameMissing, text, segment);
    }
    for (let k = segment; k < eq; k++) {
      if (!isParamNameChar(text.charCodeAt(k))) {
        throw new ScopeSyntaxError(ScopeSyntaxCode.FilterNameInvalid, text, k, {
          detail: `'${text[k]}' in a parameter name`,
        });
      }
    }
    if (eq + 1 === amp) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.FilterValueMissing, text, eq + 1, {
        detail: `'${text.slice(segment, eq)}' has an empty value`,
      });
    }
    filters.push({ name: text.slice(segment, eq), value: text.slice(eq + 1, amp) });
    if (amp === n) return filters;
    segment = amp + 1;
    if (segment === n) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.FilterEmpty, text, segment, {
        detail: "trailing '&'",
      });
    }
  }
}

function parseLaunch(text: string, start: number): LaunchScope {
  const n = text.length;
  let i = start;
  while (i < n && isLaunchTargetChar(text.charCodeAt(i))) i++;
  if (i === start) {
    if (i === n || text.charCodeAt(i) === 0x3f) {
      throw new ScopeSyntaxError(ScopeSyntaxCode.LaunchTargetMissing, text, i);
    }
  }
  if (i < n && text.charCodeAt(i) !== 0x3f) {
    const c = text.charCodeAt(i);
    throw new ScopeSyntaxError(ScopeSyntaxCode.LaunchTargetInvalid, text, i, {
      detail:
        c >= 0x41 && c <= 0x5a
          ? `launch context types are lowercase (launch/${text.slice(start).split('?')[0]?.toLowerCase()})`
          : `'${text[i]}' in a launch context type`,
    });
  }
  const target = text.slice(start, i);
  if (i === n) return { kind: 'launch', target, role: undefined };
  const paramStart = i + 1;
  if (!text.startsWith('role=', paramStart)) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.LaunchParameterInvalid, text, paramStart, {
      detail: 'only ?role=<uri> is defined',
    });
  }
  const roleStart = paramStart + 5;
  const amp = text.indexOf('&', roleStart);
  if (amp >= 0) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.LaunchParameterInvalid, text, amp, {
      detail: 'one role per scope',
    });
  }
  const role = text.slice(roleStart);
  if (!isAbsoluteUri(role)) {
    throw new ScopeSyntaxError(ScopeSyntaxCode.LaunchRoleInvalid, text, roleStart, {
      detail: role === '' ? 'empty role' : `'${role}' is not an absolute URI`,
    });
  }
  return { kind: 'launch', target, role };
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isParamNameChar(c: number): boolean {
  // letters, digits, _ . : -
  return isAsciiLetter(c) || isDigit(c) || c === 0x5f || c === 0x2e || c === 0x3a || c === 0x2d;
}

function isLaunchTargetChar(c: number): boolean {
  // lowercase letters, digits, _ . -
  return (c >= 0x61 && c <= 0x7a) || isDigit(c) || c === 0x5f || c === 0x2e || c === 0x2d;
}

/** RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':' and more. */
function isUriScheme(text: string, colon: number): boolean {
  if (colon < 1 || colon + 1 >= text.length || !isAsciiLetter(text.charCodeAt(0))) return false;
  for (let i = 1; i < colon; i++) {
    const c = text.charCodeAt(i);
    if (!isAsciiLetter(c) && !isDigit(c) && c !== 0x2b && c !== 0x2d && c !== 0x2e) return false;
  }
  return true;
}

/** True for an absolute URI (a scheme, ':' and at least one more character). */
export function isAbsoluteUri(text: string): boolean {
  const colon = text.indexOf(':');
  return colon > 0 && isUriScheme(text, colon);
}

function describeCharacter(c: number): string {
  const hex = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c === 0x20) return 'a space inside one scope';
  if (c < 0x20 || c === 0x7f) return `control character ${hex}`;
  if (c === 0x22 || c === 0x5c) return `'${String.fromCharCode(c)}' (${hex})`;
  return `non-ASCII character ${hex}`;
}
