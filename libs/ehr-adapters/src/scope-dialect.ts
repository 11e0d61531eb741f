import type { ScopeDialect } from './types.js';

/**
 * The one place that knows SMART scope syntax in this library. When `libs/scopes` (the workspace
 * grammar, v1<->v2 normalisation) lands, {@link convertScopeDialect} delegates to it and the
 * regular expressions below go away.
 */
const RESOURCE_SCOPE =
  /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)(\?.*)?$/i;

export interface ParsedResourceScope {
  context: 'patient' | 'user' | 'system';
  resourceType: string;
  /** v2 permission letters in canonical order (`cruds` subset). */
  permissions: string;
  /** Granular query suffix without `?`, when present. */
  query?: string;
  dialect: ScopeDialect;
}

const V1_TO_V2: Readonly<Record<string, string>> = { read: 'rs', write: 'cud', '*': 'cruds' };

/** Parses a resource scope (v1 or v2); undefined for `openid`, `launch`, extension scopes… */
export function parseResourceScope(scope: string): ParsedResourceScope | undefined {
  const match = RESOURCE_SCOPE.exec(scope);
  if (!match) return undefined;
  const [, context, resourceType, rawPermissions, query] = match;
  const lower = (rawPermissions ?? '').toLowerCase();
  const v1 = V1_TO_V2[lower];
  if (v1 === undefined && lower === '') return undefined;
  const parsed: ParsedResourceScope = {
    context: (context ?? '').toLowerCase() as ParsedResourceScope['context'],
    resourceType: resourceType ?? '',
    permissions: v1 ?? lower,
    dialect: v1 === undefined ? 'v2' : 'v1',
  };
  if (query) parsed.query = query.slice(1);
  return parsed;
}

function formatScope(parsed: ParsedResourceScope, dialect: ScopeDialect): string[] {
  const prefix = `${parsed.context}/${parsed.resourceType}`;
  const query = parsed.query ? `?${parsed.query}` : '';
  if (dialect === 'v2') return [`${prefix}.${parsed.permissions}${query}`];
  // v1 cannot express granular (query) scopes nor single letters: ask for the covering v1 scope.
  const out: string[] = [];
  if (/[rs]/.test(parsed.permissions)) out.push(`${prefix}.read`);
  if (/[cud]/.test(parsed.permissions)) out.push(`${prefix}.write`);
  return out;
}

export interface DialectConversion {
  scopes: string[];
  /** What could not be expressed exactly (granular scopes widened to v1). */
  warnings: string[];
}

/**
 * Rewrites resource scopes into `dialect`: v1 `.read`⇄v2 `.rs`, `.write`⇄`.cud`, `.*`⇄`.cruds`;
 * v2 letter subsets map to the covering v1 scopes; granular `?query` suffixes cannot be sent as
 * v1 and are widened (with a warning). Other scopes pass through. Order is kept, duplicates
 * removed. (Quirk row 15: Epic and Oracle drop or convert the other syntax silently.)
 * See: SMART App Launch 2.2 §scopes-and-launch-context (SCOPE-01, SCOPE-02).
 */
export function convertScopeDialect(
  scopes: readonly string[],
  dialect: ScopeDialect,
): DialectConversion {
  const out: string[] = [];
  const warnings: string[] = [];
  for (const scope of scopes) {
    const parsed = parseResourceScope(scope);
    if (!parsed) {
      out.push(scope);
      continue;
    }
    if (dialect === 'v1' && parsed.query) {
      warnings.push(`${scope}: granular scopes have no v1 form; requesting the whole type`);
    }
    out.push(...formatScope(parsed, dialect));
  }
  return { scopes: [...new Set(out)], warnings };
}

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
    const parsed = parseResourceScope(scope);
    if (!parsed || parsed.resourceType !== '*') {
      out.push(scope);
      continue;
    }
    const suffix = scope.slice(scope.indexOf('.'));
    for (const type of resourceTypes) out.push(`${parsed.context}/${type}${suffix}`);
  }
  return [...new Set(out)];
}

/**
 * Normalises a granted `scope` string (quirk rows 13-14) into one canonical form: trims, splits
 * on any whitespace, writes every resource scope in v2 letters (`user/Binary.Read`,
 * `user/Binary.read` and `user/Binary.rs` all become `user/Binary.rs`), maps Epic's API names
 * (`Patient.read`, `Patient.search`) to `user/Patient.rs`, merges letters per type and removes
 * duplicates.
 * Never assume requested == granted: read this list (SCOPE-04).
 */
export function normalizeGrantedScopeList(
  scope: string | undefined,
  options: { apiNameContext?: 'patient' | 'user' | 'system' } = {},
): string[] {
  if (!scope) return [];
  const out: string[] = [];
  for (const raw of scope.split(/\s+/)) {
    if (raw === '') continue;
    const parsed = parseResourceScope(raw);
    if (parsed) {
      // Canonical v2 letters whatever the server echoed (`.Read`, `.read`, `.rs` all → `.rs`).
      const query = parsed.query ? `?${parsed.query}` : '';
      out.push(`${parsed.context}/${parsed.resourceType}.${parsed.permissions}${query}`);
      continue;
    }
    // Epic API names: `Patient.read`, `Patient.search`, `Observation.Read (Labs)`.
    const api = /^([A-Z][A-Za-z]+)\.(read|search|create|update|write)$/i.exec(raw);
    if (api && options.apiNameContext) {
      const letter = { read: 'r', search: 's', create: 'c', update: 'u', write: 'cu' }[
        (api[2] ?? '').toLowerCase() as 'read'
      ];
      out.push(`${options.apiNameContext}/${api[1]}.${letter}`);
      continue;
    }
    out.push(raw);
  }
  return mergePermissions([...new Set(out)]);
}

/** Merges single-letter v2 scopes of the same context/type (`.r` + `.s` → `.rs`). */
function mergePermissions(scopes: string[]): string[] {
  const merged = new Map<string, Set<string>>();
  const order: string[] = [];
  for (const scope of scopes) {
    const parsed = parseResourceScope(scope);
    if (!parsed || parsed.dialect !== 'v2' || parsed.query) {
      order.push(scope);
      continue;
    }
    const key = `${parsed.context}/${parsed.resourceType}`;
    let letters = merged.get(key);
    if (!letters) {
      letters = new Set();
      merged.set(key, letters);
      order.push(`\u0000${key}`);
    }
    for (const letter of parsed.permissions) letters.add(letter);
  }
  return [
    ...new Set(
      order.map((entry) => {
        if (!entry.startsWith('\u0000')) return entry;
        const key = entry.slice(1);
        const letters = merged.get(key) ?? new Set<string>();
        return `${key}.${[...'cruds'].filter((letter) => letters.has(letter)).join('')}`;
      }),
    ),
  ];
}
