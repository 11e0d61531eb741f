import { getHookDefinition } from './hooks.js';

/** The four user tokens of CDS Hooks 2.0 §Prefetch tokens, derived from `context.userId`. */
export const PrefetchUserToken = {
  userPractitionerId: 'Practitioner',
  userPractitionerRoleId: 'PractitionerRole',
  userPatientId: 'Patient',
  userRelatedPersonId: 'RelatedPerson',
} as const;
export type PrefetchUserToken = keyof typeof PrefetchUserToken;

const USER_TOKEN_BY_TYPE: Readonly<Record<string, PrefetchUserToken>> = Object.fromEntries(
  Object.entries(PrefetchUserToken).map(([token, type]) => [type, token as PrefetchUserToken]),
);

/** Values for prefetch tokens: the request's context plus, optionally, explicit user token values. */
export interface PrefetchTokenContext {
  /** `request.context`. */
  hookContext: Readonly<Record<string, unknown>>;
  /**
   * The hook, when known: then only fields the Hook Library flags "Prefetch Token: Yes" resolve
   * (`{{context.draftOrders}}` never does).
   */
  hook?: string;
  /** Defaults to the id in `context.userId` when it is `Practitioner/<id>`. */
  userPractitionerId?: string;
  /** Defaults to the id in `context.userId` when it is `PractitionerRole/<id>`. */
  userPractitionerRoleId?: string;
  /** Defaults to the id in `context.userId` when it is `Patient/<id>`. */
  userPatientId?: string;
  /** Defaults to the id in `context.userId` when it is `RelatedPerson/<id>`. */
  userRelatedPersonId?: string;
}

type Token =
  | { kind: 'context'; field: string }
  | { kind: 'user'; name: PrefetchUserToken }
  | { kind: 'invalid' };

interface ScannedToken {
  raw: string;
  token: Token;
  start: number;
  end: number;
  inQuery: boolean;
}

interface ScannedTemplate {
  tokens: ScannedToken[];
  unterminated: boolean;
}

const CONTEXT_TOKEN = /^context\.([A-Za-z_][A-Za-z0-9_]*)$/;

function classify(body: string): Token {
  const field = CONTEXT_TOKEN.exec(body)?.[1];
  if (field !== undefined) return { kind: 'context', field };
  if (Object.hasOwn(PrefetchUserToken, body)) {
    return { kind: 'user', name: body as PrefetchUserToken };
  }
  return { kind: 'invalid' };
}

/** Finds `{{...}}` tokens and whether each sits in the query part (after the first `?`). */
function scanTemplate(template: string): ScannedTemplate {
  const tokens: ScannedToken[] = [];
  let queryStart = -1;
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf('{{', index);
    const literalEnd = open === -1 ? template.length : open;
    if (queryStart === -1) {
      const question = template.slice(index, literalEnd).indexOf('?');
      if (question !== -1) queryStart = index + question;
    }
    if (open === -1) break;
    const close = template.indexOf('}}', open + 2);
    if (close === -1) return { tokens, unterminated: true };
    const raw = template.slice(open, close + 2);
    tokens.push({
      raw,
      token: classify(template.slice(open + 2, close).trim()),
      start: open,
      end: close + 2,
      inQuery: queryStart !== -1,
    });
    index = close + 2;
  }
  return { tokens, unterminated: false };
}

/**
 * PF-3: the user tokens that `context.userId` yields. `PractitionerRole/123` gives
 * `{ userPractitionerRoleId: '123' }`; the other three stay unresolvable.
 */
export function deriveUserTokens(userId: unknown): Partial<Record<PrefetchUserToken, string>> {
  if (typeof userId !== 'string') return {};
  const slash = userId.indexOf('/');
  if (slash <= 0 || slash === userId.length - 1) return {};
  const token = USER_TOKEN_BY_TYPE[userId.slice(0, slash)];
  const id = userId.slice(slash + 1);
  if (token === undefined || id.includes('/')) return {};
  return { [token]: id };
}

function contextFieldValue(field: string, context: PrefetchTokenContext): string | undefined {
  if (context.hook !== undefined) {
    const definition = getHookDefinition(context.hook);
    const spec = definition?.context[field];
    if (definition !== undefined && spec?.prefetchToken !== true) return undefined;
  }
  const value = context.hookContext[field];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // order-dispatch flags the array `dispatchedOrders` as a token: a FHIR OR-list (comma-joined).
  if (Array.isArray(value) && value.length > 0) {
    if (value.every((item): item is string => typeof item === 'string' && item !== '')) {
      return value.join(',');
    }
  }
  return undefined;
}

/** PF-5: substituted values are percent-encoded; `/` and `:` stay readable, `|`, `&`, `#` do not. */
function encodeForQuery(value: string): string {
  return value
    .split(',')
    .map((part) => encodeURIComponent(part).replace(/%2F/gi, '/').replace(/%3A/gi, ':'))
    .join(',');
}

function encodeForPath(value: string): string {
  return value.split('/').map(encodeURIComponent).join('/');
}

/**
 * Replaces the tokens of one prefetch template (CDS Hooks 2.0 §Prefetch tokens). Returns
 * `undefined` when any token cannot be resolved: a 2.0-invalid token (`{{context.patient.id}}`,
 * FHIRPath such as `{{today() - 90 days}}`), a context field that is absent or not primitive, or a
 * user token that `context.userId` does not yield. A CDS Client must then not send that prefetch
 * key (cds-hooks.md PF-3).
 *
 * See: cds-hooks.md §5 (PF-2..PF-5 and the token-resolution vectors).
 */
export function resolvePrefetchTemplate(
  template: string,
  context: PrefetchTokenContext,
): string | undefined {
  const scanned = scanTemplate(template);
  if (scanned.unterminated) return undefined;
  const derived = deriveUserTokens(context.hookContext['userId']);
  let out = '';
  let cursor = 0;
  for (const { token, start, end, inQuery } of scanned.tokens) {
    let value: string | undefined;
    switch (token.kind) {
      case 'context':
        value = contextFieldValue(token.field, context);
        break;
      case 'user':
        value = context[token.name] ?? derived[token.name];
        break;
      case 'invalid':
        value = undefined;
        break;
    }
    if (value === undefined || value === '') return undefined;
    out += template.slice(cursor, start) + (inQuery ? encodeForQuery(value) : encodeForPath(value));
    cursor = end;
  }
  return out + template.slice(cursor);
}

export interface ResolvedPrefetch {
  /** Prefetch key → relative FHIR URL, for every template whose tokens all resolved. */
  resolved: Record<string, string>;
  /** Keys whose template could not be resolved in this context; they must not be prefetched. */
  unresolved: string[];
}

/** Resolves every template of a service's `prefetch` (see {@link resolvePrefetchTemplate}). */
export function resolvePrefetch(
  templates: Readonly<Record<string, string>>,
  context: PrefetchTokenContext,
): ResolvedPrefetch {
  const resolved: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [key, template] of Object.entries(templates)) {
    const url = resolvePrefetchTemplate(template, context);
    if (url === undefined) unresolved.push(key);
    else resolved[key] = url;
  }
  return { resolved, unresolved };
}

// ---------------------------------------------------------------------------------------------
// Linting templates declared in discovery (cds-hooks.md DISC-4, PF-1, PF-2, PF-4, PF-9)

export interface PrefetchTemplateLint {
  /** MUST-level violations: the template cannot be used with CDS Hooks 2.0 clients. */
  errors: string[];
  /** Outside the RECOMMENDED query subset (PF-9): many clients will not prefetch it. */
  warnings: string[];
}

const SHAPE = /^[A-Z][A-Za-z]*(?:\/[^/?#]+|\?[^#]*)?$/;
const SUBSET_CONTROL_PARAMETERS = new Set(['_id', '_lastUpdated', '_count', '_sort']);
const SUBSET_DATE_PREFIXES = /^(ne|sa|eb|ap)\d/;
const VALID_TOKENS =
  'use {{context.<field>}} or {{userPractitionerId}}, {{userPractitionerRoleId}}, {{userPatientId}}, {{userRelatedPersonId}}';

function isReferenceField(hook: string | undefined, field: string): boolean {
  const spec = hook === undefined ? undefined : getHookDefinition(hook)?.context[field];
  if (spec === undefined) return field === 'userId';
  return spec.kind === 'user-reference' || spec.kind === 'reference';
}

/**
 * Checks a prefetch template a CDS Service declares (cds-hooks.md DISC-4): a relative read or
 * type-level search (PF-1), only CDS Hooks 2.0 tokens (PF-2) that the hook flags as prefetch
 * tokens, no `Type/{{context.userId}}` (PF-4); query features outside the recommended subset
 * (PF-9) are warnings.
 */
export function lintPrefetchTemplate(
  template: string,
  options: { hook?: string } = {},
): PrefetchTemplateLint {
  const errors: string[] = [];
  const warnings: string[] = [];
  const scanned = scanTemplate(template);
  if (scanned.unterminated) {
    errors.push('has an unterminated "{{" token');
    return { errors, warnings };
  }
  const definition = options.hook === undefined ? undefined : getHookDefinition(options.hook);

  let shape = '';
  let cursor = 0;
  for (const { raw, token, start, end } of scanned.tokens) {
    shape += template.slice(cursor, start);
    cursor = end;
    switch (token.kind) {
      case 'invalid':
        errors.push(`${raw} is not a CDS Hooks 2.0 prefetch token; ${VALID_TOKENS}`);
        shape += 'x';
        break;
      case 'user':
        shape += 'x';
        break;
      case 'context': {
        const spec = definition?.context[token.field];
        if (definition !== undefined && spec === undefined) {
          errors.push(`${raw} is not a context field of ${definition.hook}`);
        } else if (definition !== undefined && spec?.prefetchToken !== true) {
          const allowed = Object.entries(definition.context)
            .filter(([, field]) => field.prefetchToken)
            .map(([name]) => `context.${name}`);
          errors.push(
            `${raw} cannot be used as a prefetch token for ${definition.hook} (allowed: ${allowed.join(', ')})`,
          );
        }
        const reference = isReferenceField(options.hook, token.field);
        const typedPrefix = /([A-Z][A-Za-z]*)\/$/.exec(template.slice(0, start));
        if (reference && typedPrefix) {
          const suggestion = USER_TOKEN_BY_TYPE[typedPrefix[1] ?? ''];
          errors.push(
            `"${typedPrefix[0]}${raw}" repeats the resource type: context.${token.field} is already "Type/id"` +
              (suggestion && token.field === 'userId'
                ? `; use ${typedPrefix[0]}{{${suggestion}}}`
                : ''),
          );
        }
        shape += reference && !typedPrefix ? 'Type/x' : 'x';
        break;
      }
    }
  }
  shape += template.slice(cursor);

  if (!SHAPE.test(shape)) {
    errors.push('must be a relative FHIR read ("Type/id") or type-level search ("Type?params")');
    return { errors, warnings };
  }
  const question = shape.indexOf('?');
  if (question !== -1) lintQuery(shape.slice(question + 1), warnings);
  return { errors, warnings };
}

/** PF-9: the RECOMMENDED restricted query subset of CDS Hooks 2.0 §Prefetch query restrictions. */
function lintQuery(query: string, warnings: string[]): void {
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = equals === -1 ? pair : pair.slice(0, equals);
    const value = equals === -1 ? '' : pair.slice(equals + 1);
    const [base = '', modifier] = name.split(':', 2);
    if (base === 'sort') {
      warnings.push(`parameter "${name}" is pre-R4 syntax; use _sort (e.g. _sort=-date)`);
      continue;
    }
    if (base.startsWith('_') && !SUBSET_CONTROL_PARAMETERS.has(base)) {
      warnings.push(`parameter "${base}" is outside the recommended query subset`);
    } else if (base.includes('.')) {
      warnings.push(`chained parameter "${base}" is outside the recommended query subset`);
    }
    if (modifier !== undefined && modifier !== 'in') {
      warnings.push(
        `modifier ":${modifier}" is outside the recommended query subset (only :in is)`,
      );
    }
    const prefix = SUBSET_DATE_PREFIXES.exec(value);
    if (prefix) {
      warnings.push(
        `prefix "${prefix[1]}" is outside the recommended query subset (eq, lt, gt, ge, le)`,
      );
    }
  }
}
