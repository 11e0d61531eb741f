import {
  ScopeSyntaxError,
  normalizeScopes,
  parseScope,
  serializeScope,
  translateScopes,
} from '@bedside/scopes';

import type { Scope } from '@bedside/scopes';

import type { ScopeDialect } from './types.js';

/**
 * The one place in this library that deals with scope syntax; the grammar itself (parsing,
 * v1<->v2 translation, normalisation) is `@bedside/scopes`. What is vendor-specific stays here:
 * repairing what vendors echo back (Epic's `.Read`, API names) before the grammar reads it.
 */

/** Parses one token; undefined when it breaks the SMART grammar (SCOPE-03: never reinterpret). */
function parseOrUndefined(token: string): Scope | undefined {
  try {
    return parseScope(token);
  } catch (error) {
    if (error instanceof ScopeSyntaxError) return undefined;
    throw error;
  }
}

export interface DialectConversion {
  scopes: string[];
  /** What could not be expressed exactly (v1 over-grants) or was not a SMART scope. */
  warnings: string[];
}

/**
 * Rewrites resource scopes into `dialect` with `@bedside/scopes` (`.read`⇄`.rs`, `.write`⇄
 * `.cud`, `.*`⇄`.cruds`; v2 letter subsets and granular filters widen to the covering v1 scope,
 * with a warning). Tokens outside the SMART grammar are sent as they are (vendor scopes such as
 * `athena/service/…`). Order of first appearance is kept, duplicates removed. (Quirk row 15:
 * Epic and Oracle drop or convert the other syntax silently.)
 * See: SMART App Launch 2.2 §scopes-and-launch-context (SCOPE-01, SCOPE-02).
 */
export function convertScopeDialect(
  scopes: readonly string[],
  dialect: ScopeDialect,
): DialectConversion {
  const parsed: Scope[] = [];
  const passthrough: string[] = [];
  const warnings: string[] = [];
  for (const token of scopes) {
    const scope = parseOrUndefined(token);
    if (scope) parsed.push(scope);
    else {
      passthrough.push(token);
      warnings.push(`${token}: not a SMART scope; sent as is`);
    }
  }
  const translated = translateScopes(parsed, dialect);
  for (const inexact of translated.inexact) {
    warnings.push(`${serializeScope(inexact.scope)}: ${inexact.reason}`);
  }
  return {
    scopes: [...new Set([...translated.scopes.map(serializeScope), ...passthrough])],
    warnings,
  };
}

const WILDCARD = /^(patient|user|system)\/\*\.(.+)$/;

/**
 * Expands wildcard resource scopes (`patient/*.rs`) into one scope per resource type, for
 * servers that reject `*` (quirk row 16: Oracle documents it, athena's Okta policy rejects it).
 */
export function expandWildcardScopes(
  scopes: readonly string[],
  resourceTypes: readonly string[],
): string[] {
  const out: string[] = [];
  for (const scope of scopes) {
    const match = WILDCARD.exec(scope);
    if (!match || parseOrUndefined(scope)?.kind !== 'clinical') {
      out.push(scope);
      continue;
    }
    for (const type of resourceTypes) out.push(`${match[1]}/${type}.${match[2]}`);
  }
  return [...new Set(out)];
}

const V1_ANY_CASE = /^((?:patient|user|system)\/(?:\*|[A-Z][A-Za-z]+))\.(read|write)$/i;
const EPIC_API_NAME = /^([A-Z][A-Za-z]+)\.(read|search|create|update)$/i;
const API_LETTER: Readonly<Record<string, string>> = {
  read: 'r',
  search: 's',
  create: 'c',
  update: 'u',
};

/**
 * Normalises a granted `scope` string (quirk rows 13-14) into one canonical form: trims, splits
 * on any whitespace, writes every resource scope in v2 letters (`user/Binary.Read`,
 * `user/Binary.read` and `user/Binary.rs` all become `user/Binary.rs`), maps Epic's API names
 * (`Patient.read`, `Patient.search`) to `user/Patient.rs`, merges letters per type and removes
 * duplicates and covered scopes (`@bedside/scopes` `normalizeScopes`). Tokens that break the
 * grammar are kept as they are and grant nothing (SCOPE-03).
 * Never assume requested == granted: read this list (SCOPE-04).
 */
export function normalizeGrantedScopeList(
  scope: string | undefined,
  options: { apiNameContext?: 'patient' | 'user' | 'system' } = {},
): string[] {
  if (!scope) return [];
  const parsed: Scope[] = [];
  const invalid: string[] = [];
  for (const raw of scope.split(/\s+/)) {
    if (raw === '') continue;
    let token = raw;
    // Epic echoes `.Read` next to `.read` (row 14): the grammar is case-sensitive.
    const v1 = V1_ANY_CASE.exec(token);
    if (v1) token = `${v1[1]}.${(v1[2] ?? '').toLowerCase()}`;
    const api = options.apiNameContext ? EPIC_API_NAME.exec(token) : null;
    if (api) {
      token = `${options.apiNameContext}/${api[1]}.${API_LETTER[(api[2] ?? '').toLowerCase()]}`;
    }
    const parsedScope = parseOrUndefined(token);
    if (parsedScope) parsed.push(parsedScope);
    else invalid.push(raw);
  }
  const canonical = normalizeScopes(parsed, { keepDialect: false }).map(serializeScope);
  return [...new Set([...canonical, ...invalid])];
}
