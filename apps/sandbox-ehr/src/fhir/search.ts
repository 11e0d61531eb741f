/**
 * FHIR R4 search over the index tables: token, string, date and reference parameters with their
 * modifiers and prefixes, `_id`, `_lastUpdated`, `_sort`, `_include`, `_summary=count`, and
 * keyset paging (never OFFSET). See: FHIR R4 §search.
 */
import { FhirError, fhirErrors } from './fhir-error.js';
import {
  compartmentPath,
  dateRange,
  normalizeString,
  parseReferenceValue,
  searchParameters,
  type SearchParamDefinition,
} from './search-params.js';
import type { Sql } from './sql.js';

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 1000;

/** Parameters that steer the search rather than filter it. */
const CONTROL = new Set([
  '_count',
  '_sort',
  '_include',
  '_summary',
  '_total',
  '_cursor',
  '_format',
  '_pretty',
]);

const MODIFIERS: Readonly<Record<string, readonly string[]>> = {
  token: ['not', 'missing'],
  string: ['exact', 'contains', 'missing'],
  date: ['missing'],
  reference: ['missing'],
};

export const DATE_PREFIXES = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'sa', 'eb'] as const;
type DatePrefix = (typeof DATE_PREFIXES)[number];

/** What access control adds to every search (see read-access.ts). */
export interface SearchRestriction {
  /** Only this patient's compartment (patient-context tokens). */
  patientId?: string;
  /** Granular scopes: OR of AND of token filters (`[['category', 'a|b,c']]`). */
  filterSets?: readonly (readonly (readonly [string, string])[])[];
}

export interface SearchRequest {
  resourceType: string;
  params: readonly (readonly [string, string])[];
  strict: boolean;
  restriction?: SearchRestriction;
}

export interface SearchMatch {
  id: string;
  rid: string;
  json: string;
}

export interface SearchResult {
  total: number | undefined;
  matches: SearchMatch[];
  includes: SearchMatch[];
  /** The `_cursor` of the next page, if any. */
  nextCursor: string | undefined;
  warnings: string[];
  /** The request's parameters without `_cursor`, to build self/next links. */
  echo: [string, string][];
  summaryCount: boolean;
}

class Query {
  readonly values: string[] = [];
  readonly where: string[] = [];

  param(value: string): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const IDX = {
  token: 'sandbox.fhir_search_token',
  string: 'sandbox.fhir_search_string',
  date: 'sandbox.fhir_search_date',
  reference: 'sandbox.fhir_search_reference',
} as const;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function splitValues(value: string): string[] {
  return value
    .split(/(?<!\\),/)
    .map((v) => v.replace(/\\,/g, ','))
    .filter((v) => v !== '');
}

function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

function tokenCondition(q: Query, raw: string): string {
  const bar = raw.indexOf('|');
  if (bar < 0) return `code = ${q.param(raw)}`;
  const system = raw.slice(0, bar);
  const code = raw.slice(bar + 1);
  if (code === '') return `system = ${q.param(system)}`;
  return `(system = ${q.param(system)} AND code = ${q.param(code)})`;
}

function parseDateValue(name: string, raw: string): { prefix: DatePrefix; low: Date; high: Date } {
  const prefix = (DATE_PREFIXES as readonly string[]).includes(raw.slice(0, 2))
    ? (raw.slice(0, 2) as DatePrefix)
    : 'eq';
  const text = /^[a-z]{2}/.test(raw) ? raw.slice(2) : raw;
  const range = dateRange(text);
  if (!range) {
    throw fhirErrors.invalid(
      `Search parameter ${name}: "${raw}" is not a FHIR date (prefix eq|ne|lt|le|gt|ge|sa|eb, then YYYY[-MM[-DD[Thh:mm[:ss][Z|±hh:mm]]]]).`,
    );
  }
  return { prefix, ...range };
}

/** SQL comparing a stored range [lo, hi] with a search value, per FHIR R4 §search 3.1.1.4.1.1. */
function dateComparison(
  q: Query,
  lo: string,
  hi: string,
  value: { prefix: DatePrefix; low: Date; high: Date },
): string {
  // Only parameters a comparison uses are bound: PostgreSQL cannot type an unused one.
  const sl = () => `${q.param(value.low.toISOString())}::timestamptz`;
  const sh = () => `${q.param(value.high.toISOString())}::timestamptz`;
  const eq = () => `(${lo} >= ${sl()} AND ${hi} <= ${sh()})`;
  switch (value.prefix) {
    case 'eq':
      return eq();
    case 'ne':
      return `NOT ${eq()}`;
    case 'gt':
      return `${hi} > ${sh()}`;
    case 'lt':
      return `${lo} < ${sl()}`;
    case 'ge':
      return `(${hi} > ${sh()} OR ${eq()})`;
    case 'le':
      return `(${lo} < ${sl()} OR ${eq()})`;
    case 'sa':
      return `${lo} > ${sh()}`;
    case 'eb':
      return `${hi} < ${sl()}`;
  }
}

function referenceTarget(
  raw: string,
  typeModifier: string | undefined,
): { targetType?: string; targetId: string } {
  const parsed = parseReferenceValue(raw);
  if (parsed) return parsed;
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(raw)) {
    throw fhirErrors.invalid(`Reference search value "${raw}" is not an id or Type/id.`);
  }
  return { targetType: typeModifier, targetId: raw };
}

function indexSubquery(
  q: Query,
  table: string,
  type: string,
  name: string,
  condition: string,
): string {
  return `r.rid IN (SELECT rid FROM ${table} WHERE "resourceType" = ${q.param(type)} AND param = ${q.param(name)} AND (${condition}))`;
}

/** Adds the SQL for one `name[:modifier]=value` pair. */
function addParameter(
  q: Query,
  resourceType: string,
  name: string,
  modifier: string | undefined,
  definition: SearchParamDefinition,
  raw: string,
): void {
  const values = splitValues(raw);
  if (values.length === 0) throw fhirErrors.invalid(`Search parameter ${name} has no value.`);
  const table = IDX[definition.type];
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') {
      throw fhirErrors.invalid(`${name}:missing takes true or false, not "${raw}".`);
    }
    const exists = `EXISTS (SELECT 1 FROM ${table} x WHERE x.rid = r.rid AND x.param = ${q.param(name)})`;
    q.where.push(raw === 'true' ? `NOT ${exists}` : exists);
    return;
  }
  switch (definition.type) {
    case 'token': {
      const condition = values.map((v) => tokenCondition(q, v)).join(' OR ');
      const sub = indexSubquery(q, table, resourceType, name, condition);
      q.where.push(modifier === 'not' ? `NOT (${sub})` : sub);
      return;
    }
    case 'string': {
      const conditions = values.map((v) => {
        if (modifier === 'exact') return `exact = ${q.param(v)}`;
        const norm = normalizeString(v);
        if (modifier === 'contains') return `value LIKE ${q.param(`%${escapeLike(norm)}%`)}`;
        return `(value >= ${q.param(norm)} AND value < ${q.param(`${norm}\u{10FFFF}`)})`;
      });
      q.where.push(indexSubquery(q, table, resourceType, name, conditions.join(' OR ')));
      return;
    }
    case 'date': {
      const conditions = values.map((v) =>
        dateComparison(q, 'low', 'high', parseDateValue(name, v)),
      );
      q.where.push(indexSubquery(q, table, resourceType, name, conditions.join(' OR ')));
      return;
    }
    case 'reference': {
      if (modifier !== undefined && !(definition.targets ?? []).includes(modifier)) {
        throw fhirErrors.invalid(
          `${name}:${modifier}: ${modifier} is not a type ${name} can point at (${(definition.targets ?? []).join(', ')}).`,
        );
      }
      const targets = values.map((v) => referenceTarget(v, modifier));
      // The compartment column answers patient references without touching the index table.
      const compartment = compartmentPath[resourceType];
      const viaColumn =
        compartment !== undefined &&
        definition.paths.length === 1 &&
        definition.paths[0] === compartment &&
        targets.every(
          (t) => t.targetType === 'Patient' || (name === 'patient' && t.targetType === undefined),
        );
      if (viaColumn) {
        q.where.push(
          `r."patientId" = ANY(${q.param(arrayLiteral(targets.map((t) => t.targetId)))}::text[])`,
        );
        return;
      }
      const condition = targets
        .map((t) =>
          t.targetType
            ? `("targetType" = ${q.param(t.targetType)} AND "targetId" = ${q.param(t.targetId)})`
            : `"targetId" = ${q.param(t.targetId)}`,
        )
        .join(' OR ');
      q.where.push(indexSubquery(q, table, resourceType, name, condition));
      return;
    }
  }
}

interface SortSpec {
  /** SQL of the sort key, or undefined for rid order. */
  key: string | undefined;
  desc: boolean;
}

function parseSort(resourceType: string, raw: string | undefined): SortSpec {
  if (raw === undefined || raw === '') return { key: undefined, desc: false };
  const first = raw.split(',')[0] as string;
  const desc = first.startsWith('-');
  const name = desc ? first.slice(1) : first;
  if (name === '_lastUpdated') return { key: 'r."lastUpdated"', desc };
  if (name === '_id') return { key: undefined, desc };
  const definition = searchParameters[resourceType]?.[name];
  if (definition?.type !== 'date') {
    throw fhirErrors.invalid(
      `_sort=${raw}: this server sorts by date parameters and _lastUpdated only.`,
    );
  }
  return {
    key: `coalesce((SELECT min(d.low) FROM sandbox.fhir_search_date d WHERE d.rid = r.rid AND d.param = '${name}'), '-infinity'::timestamptz)`,
    desc,
  };
}

interface Cursor {
  k?: string;
  r: string;
}

function decodeCursor(raw: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (typeof value.r !== 'string' || !/^\d+$/.test(value.r)) throw new Error('bad');
    return value;
  } catch {
    throw fhirErrors.invalid('_cursor is not a cursor this server issued.');
  }
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/**
 * Builds the WHERE clauses for a search (without paging).
 * @throws FhirError 400 for invalid values, unknown modifiers, or unknown parameters when strict.
 */
export function buildSearchConditions(
  request: SearchRequest,
  q: Query = new Query(),
): { query: Query; warnings: string[] } {
  const { resourceType, params, restriction } = request;
  const definitions = searchParameters[resourceType] ?? {};
  const warnings: string[] = [];
  q.where.push(`r."resourceType" = ${q.param(resourceType)}`);
  for (const [fullName, value] of params) {
    if (CONTROL.has(fullName)) continue;
    const [name, modifier] = fullName.split(':') as [string, string | undefined];
    if (name === '_id') {
      q.where.push(`r.id = ANY(${q.param(arrayLiteral(splitValues(value)))}::text[])`);
      continue;
    }
    if (name === '_lastUpdated') {
      const conditions = splitValues(value).map((v) =>
        dateComparison(q, 'r."lastUpdated"', 'r."lastUpdated"', parseDateValue(name, v)),
      );
      q.where.push(`(${conditions.join(' OR ')})`);
      continue;
    }
    const definition = definitions[name];
    if (!definition) {
      const message = `Unknown search parameter ${fullName} for ${resourceType}: ignored.`;
      if (request.strict) {
        throw new FhirError(
          'not-supported',
          `Unknown search parameter ${fullName} for ${resourceType} (Prefer: handling=strict).`,
          400,
        );
      }
      warnings.push(message);
      continue;
    }
    if (modifier !== undefined && !MODIFIERS[definition.type]?.includes(modifier)) {
      if (definition.type !== 'reference') {
        throw fhirErrors.invalid(
          `Modifier :${modifier} is not supported on ${definition.type} parameter ${name}.`,
        );
      }
    }
    addParameter(q, resourceType, name, modifier, definition, value);
  }
  if (restriction?.patientId !== undefined) {
    if (resourceType === 'Patient') q.where.push(`r.id = ${q.param(restriction.patientId)}`);
    else q.where.push(`r."patientId" = ${q.param(restriction.patientId)}`);
  }
  if (restriction?.filterSets) {
    const sets = restriction.filterSets.map((filters) => {
      const sub = new Query();
      sub.values.push(...q.values);
      for (const [name, value] of filters) {
        const definition = definitions[name];
        if (!definition) {
          sub.where.push('FALSE');
          continue;
        }
        addParameter(sub, resourceType, name, undefined, definition, value);
      }
      q.values.splice(0, q.values.length, ...sub.values);
      return sub.where.length === 0 ? 'TRUE' : `(${sub.where.join(' AND ')})`;
    });
    q.where.push(sets.length === 0 ? 'FALSE' : `(${sets.join(' OR ')})`);
  }
  return { query: q, warnings };
}

function parseCount(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_COUNT;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 0) {
    throw fhirErrors.invalid(`_count must be a non-negative integer, not "${raw}".`);
  }
  return Math.min(count, MAX_COUNT);
}

function lastValue(
  params: readonly (readonly [string, string])[],
  name: string,
): string | undefined {
  let found: string | undefined;
  for (const [key, value] of params) if (key === name) found = value;
  return found;
}

/**
 * Runs a search: one page of matches (keyset after `_cursor`), the total, and `_include`d
 * resources.
 * @throws FhirError 400 for invalid parameters.
 */
export async function runSearch(sql: Sql, request: SearchRequest): Promise<SearchResult> {
  const { resourceType, params } = request;
  const count = parseCount(lastValue(params, '_count'));
  const summary = lastValue(params, '_summary');
  const totalMode = lastValue(params, '_total');
  const summaryCount = summary === 'count';
  const sort = parseSort(resourceType, lastValue(params, '_sort'));
  const cursorRaw = lastValue(params, '_cursor');
  const { query: q, warnings } = buildSearchConditions(request);
  if (summary !== undefined && !summaryCount) {
    warnings.push(`_summary=${summary} is not supported (only _summary=count): ignored.`);
  }
  const echo = params
    .filter(([key]) => key !== '_cursor')
    .map(([k, v]) => [k, v] as [string, string]);
  const where = q.where.join(' AND ');

  let total: number | undefined;
  if (summaryCount || totalMode !== 'none') {
    const rows = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sandbox.fhir_resource r WHERE ${where}`,
      q.values,
    );
    total = rows[0]?.n ?? 0;
  }
  if (summaryCount || count === 0) {
    return {
      total,
      matches: [],
      includes: [],
      nextCursor: undefined,
      warnings,
      echo,
      summaryCount,
    };
  }

  const key = sort.key ?? 'NULL::timestamptz';
  const dir = sort.desc ? 'DESC' : 'ASC';
  const cmp = sort.desc ? '<' : '>';
  const pageValues = [...q.values];
  const p = (value: string) => {
    pageValues.push(value);
    return `$${pageValues.length}`;
  };
  let after = '';
  if (cursorRaw !== undefined) {
    const cursor = decodeCursor(cursorRaw);
    after =
      sort.key === undefined
        ? `WHERE s.rid ${cmp} ${p(cursor.r)}::bigint`
        : `WHERE (s.sk, s.rid) ${cmp} (${p(cursor.k ?? '-infinity')}::timestamptz, ${p(cursor.r)}::bigint)`;
  }
  const rows = await sql.query<{ id: string; rid: string; sk: Date | null; json: string }>(
    `SELECT s.id, s.rid::text AS rid, s.sk, s.json FROM (
       SELECT r.id, r.rid, ${key} AS sk, r.content::text AS json
       FROM sandbox.fhir_resource r WHERE ${where}
     ) s ${after}
     ORDER BY ${sort.key === undefined ? '' : `s.sk ${dir}, `}s.rid ${dir} LIMIT ${count + 1}`,
    pageValues,
  );
  const page = rows.slice(0, count);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > count && last
      ? encodeCursor(
          sort.key === undefined
            ? { r: last.rid }
            : { k: last.sk ? new Date(last.sk).toISOString() : '-infinity', r: last.rid },
        )
      : undefined;
  const matches = page.map((row) => ({ id: row.id, rid: row.rid, json: row.json }));
  const includes = await resolveIncludes(sql, request, matches, warnings);
  return { total, matches, includes, nextCursor, warnings, echo, summaryCount };
}

async function resolveIncludes(
  sql: Sql,
  request: SearchRequest,
  matches: SearchMatch[],
  warnings: string[],
): Promise<SearchMatch[]> {
  const includes = request.params.filter(([key]) => key === '_include').map(([, v]) => v);
  if (includes.length === 0 || matches.length === 0) return [];
  const rids = arrayLiteral(matches.map((m) => m.rid));
  const targets: { type: string; id: string }[] = [];
  for (const include of includes) {
    const [sourceType, param, targetType] = include.split(':');
    const definition = param ? searchParameters[request.resourceType]?.[param] : undefined;
    if (sourceType !== request.resourceType || definition?.type !== 'reference') {
      warnings.push(
        `_include=${include} is not a reference parameter of ${request.resourceType}: ignored.`,
      );
      continue;
    }
    const viaColumn =
      param === 'patient' && definition.paths[0] === compartmentPath[request.resourceType];
    const rows = viaColumn
      ? await sql.query<{ t: string; i: string }>(
          `SELECT DISTINCT 'Patient' AS t, "patientId" AS i FROM sandbox.fhir_resource
           WHERE rid = ANY($1::bigint[]) AND "patientId" IS NOT NULL`,
          [rids],
        )
      : await sql.query<{ t: string; i: string }>(
          `SELECT DISTINCT "targetType" AS t, "targetId" AS i FROM sandbox.fhir_search_reference
           WHERE rid = ANY($1::bigint[]) AND param = $2 ${targetType ? 'AND "targetType" = $3' : ''}`,
          targetType ? [rids, param as string, targetType] : [rids, param as string],
        );
    targets.push(...rows.map((row) => ({ type: row.t, id: row.i })));
  }
  if (targets.length === 0) return [];
  const rows = await sql.query<{ id: string; rid: string; json: string }>(
    `SELECT r.id, r.rid::text AS rid, r.content::text AS json FROM sandbox.fhir_resource r
     JOIN unnest($1::text[], $2::text[]) AS t(type, id) ON r."resourceType" = t.type AND r.id = t.id`,
    [arrayLiteral(targets.map((t) => t.type)), arrayLiteral(targets.map((t) => t.id))],
  );
  const seen = new Set(matches.map((m) => m.rid));
  return rows.filter((row) => !seen.has(row.rid) && (seen.add(row.rid), true));
}

export { Query };
