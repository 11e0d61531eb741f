import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import type { PrismaClient } from '@bedside/db';
import type { Patient, Resource } from '@bedside/fhir-model';

import { fhirErrors } from './fhir-error.js';
import { extractIndexRows, type IndexRows } from './search-params.js';
import { poolSql, prismaSql, type Sql } from './sql.js';

export interface StoredResource extends Resource {
  id: string;
  meta: { versionId: string; lastUpdated: string };
}

export interface WriteResult {
  resource: StoredResource;
  /** True when the write created the resource (or recreated a deleted one). */
  created: boolean;
}

export interface HistoryEntry {
  versionId: number;
  lastUpdated: string;
  method: 'create' | 'update' | 'delete';
  resource: StoredResource | undefined;
}

/** Current state of an id: live, deleted (410) or never seen (404). */
export type ResourceState =
  | { kind: 'live'; resource: StoredResource; json: string }
  | { kind: 'deleted'; versionId: number }
  | { kind: 'missing' };

interface CurrentRow {
  rid: string;
  versionId: number;
  content: string;
}

const T = 'sandbox.fhir_resource';
const V = 'sandbox.fhir_resource_version';

/** `content` with id and meta as the current row says (rows written before meta was stored). */
function withMeta(
  content: Resource,
  id: string,
  versionId: number,
  lastUpdated: Date | string,
): StoredResource {
  const iso = typeof lastUpdated === 'string' ? lastUpdated : lastUpdated.toISOString();
  return {
    ...content,
    id,
    meta: { ...content.meta, versionId: String(versionId), lastUpdated: iso },
  };
}

/** The stored form: the resource as served, meta included, so reads and exports send it as is. */
function stamp(
  resource: Resource,
  id: string,
  versionId: number,
  lastUpdated: Date,
): StoredResource {
  const { meta, ...rest } = resource;
  const keep: Record<string, unknown> = { ...meta };
  delete keep['versionId'];
  delete keep['lastUpdated'];
  return {
    ...rest,
    resourceType: resource.resourceType,
    id,
    meta: { ...keep, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
  } as StoredResource;
}

/** JSON with object keys sorted (JSONB reorders keys, so stored and given content compare this way). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const INSERT_INDEX_ROWS = `
WITH tok AS (
  INSERT INTO sandbox.fhir_search_token (rid, "resourceType", param, system, code)
  SELECT x.rid, x.t, x.p, x.s, x.c FROM jsonb_to_recordset($1::jsonb) AS x(rid bigint, t text, p text, s text, c text)
  ON CONFLICT DO NOTHING
), str AS (
  INSERT INTO sandbox.fhir_search_string (rid, "resourceType", param, value, exact)
  SELECT x.rid, x.t, x.p, x.v, x.e FROM jsonb_to_recordset($2::jsonb) AS x(rid bigint, t text, p text, v text, e text)
  ON CONFLICT DO NOTHING
), dat AS (
  INSERT INTO sandbox.fhir_search_date (rid, "resourceType", param, low, high)
  SELECT x.rid, x.t, x.p, x.l, x.h FROM jsonb_to_recordset($3::jsonb) AS x(rid bigint, t text, p text, l timestamptz, h timestamptz)
  ON CONFLICT DO NOTHING
)
INSERT INTO sandbox.fhir_search_reference (rid, "resourceType", param, "targetType", "targetId")
SELECT x.rid, x.t, x.p, x.tt, x.ti FROM jsonb_to_recordset($4::jsonb) AS x(rid bigint, t text, p text, tt text, ti text)
ON CONFLICT DO NOTHING`;

const DELETE_INDEX_ROWS = `
WITH ids AS (SELECT unnest($1::bigint[]) AS rid),
tok AS (DELETE FROM sandbox.fhir_search_token WHERE rid IN (SELECT rid FROM ids)),
str AS (DELETE FROM sandbox.fhir_search_string WHERE rid IN (SELECT rid FROM ids)),
dat AS (DELETE FROM sandbox.fhir_search_date WHERE rid IN (SELECT rid FROM ids))
DELETE FROM sandbox.fhir_search_reference WHERE rid IN (SELECT rid FROM ids)`;

/** The four index inserts' parameters for resources whose rids are known. */
function indexParams(items: { rid: string; type: string; rows: IndexRows }[]): string[] {
  const tokens: unknown[] = [];
  const strings: unknown[] = [];
  const dates: unknown[] = [];
  const refs: unknown[] = [];
  for (const { rid, type, rows } of items) {
    for (const r of rows.tokens) tokens.push({ rid, t: type, p: r.param, s: r.system, c: r.code });
    for (const r of rows.strings)
      strings.push({ rid, t: type, p: r.param, v: r.value, e: r.exact });
    for (const r of rows.dates) {
      dates.push({ rid, t: type, p: r.param, l: r.low.toISOString(), h: r.high.toISOString() });
    }
    for (const r of rows.references) {
      refs.push({ rid, t: type, p: r.param, tt: r.targetType, ti: r.targetId });
    }
  }
  return [tokens, strings, dates, refs].map((list) => JSON.stringify(list));
}

/**
 * The sandbox EHR's FHIR data in PostgreSQL: the current version of each resource as JSONB
 * (fhir_resource), every version (fhir_resource_version) and the search index tables, all
 * written in one transaction per write.
 */
export class ResourceStore {
  /** The SQL the store and the search engine run. */
  readonly sql: Sql;

  constructor(
    readonly prisma: PrismaClient,
    readonly pool?: pg.Pool,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = pool ? poolSql(pool) : prismaSql(prisma);
  }

  async read(resourceType: string, id: string): Promise<StoredResource | undefined> {
    const state = await this.state(resourceType, id);
    return state.kind === 'live' ? state.resource : undefined;
  }

  /** Live, deleted or missing; the live resource also as JSON text (sent as is). */
  async state(resourceType: string, id: string): Promise<ResourceState> {
    const rows = await this.sql.query<{
      versionId: number;
      lastUpdated: Date;
      content: string;
    }>(
      `SELECT "versionId", "lastUpdated", content::text AS content FROM ${T} WHERE "resourceType" = $1 AND id = $2`,
      [resourceType, id],
    );
    const row = rows[0];
    if (row) {
      const content = JSON.parse(row.content) as Resource;
      const meta = content.meta;
      if (meta?.versionId === String(row.versionId)) {
        return { kind: 'live', resource: content as StoredResource, json: row.content };
      }
      const resource = withMeta(content, id, row.versionId, row.lastUpdated);
      return { kind: 'live', resource, json: JSON.stringify(resource) };
    }
    const deleted = await this.sql.query<{ versionId: number }>(
      `SELECT "versionId" FROM ${V} WHERE "resourceType" = $1 AND id = $2 ORDER BY "versionId" DESC LIMIT 1`,
      [resourceType, id],
    );
    return deleted[0] ? { kind: 'deleted', versionId: deleted[0].versionId } : { kind: 'missing' };
  }

  /** One version (vread). Undefined when the version never existed; `deleted` for a deletion. */
  async vread(
    resourceType: string,
    id: string,
    versionId: number,
  ): Promise<StoredResource | 'deleted' | undefined> {
    const rows = await this.sql.query<{ method: string; content: string | null }>(
      `SELECT method, content::text AS content FROM ${V} WHERE "resourceType" = $1 AND id = $2 AND "versionId" = $3`,
      [resourceType, id, String(versionId)],
    );
    const row = rows[0];
    if (!row) {
      // Rows written before version history existed: the current row is their only version.
      const current = await this.read(resourceType, id);
      return current && current.meta.versionId === String(versionId) ? current : undefined;
    }
    return row.content === null ? 'deleted' : (JSON.parse(row.content) as StoredResource);
  }

  /** Versions of one resource, newest first. */
  async history(resourceType: string, id: string, count: number): Promise<HistoryEntry[]> {
    const rows = await this.sql.query<{
      versionId: number;
      lastUpdated: Date;
      method: HistoryEntry['method'];
      content: string | null;
    }>(
      `SELECT "versionId", "lastUpdated", method, content::text AS content FROM ${V}
       WHERE "resourceType" = $1 AND id = $2 ORDER BY "versionId" DESC LIMIT $3`,
      [resourceType, id, String(count)],
    );
    if (rows.length === 0) {
      const current = await this.read(resourceType, id);
      return current
        ? [
            {
              versionId: Number(current.meta.versionId),
              lastUpdated: current.meta.lastUpdated,
              method: 'create',
              resource: current,
            },
          ]
        : [];
    }
    return rows.map((row) => ({
      versionId: row.versionId,
      lastUpdated: row.lastUpdated.toISOString(),
      method: row.method,
      resource: row.content === null ? undefined : (JSON.parse(row.content) as StoredResource),
    }));
  }

  /** Creates a resource under a new server-assigned id. */
  async create(resource: Resource): Promise<StoredResource> {
    const { resource: stored } = await this.write({ ...resource, id: randomUUID() }, {});
    return stored;
  }

  /**
   * Creates or replaces `resource` (update-as-create). With `ifMatch`, the current version must
   * be that one.
   * @throws FhirError 412 when `ifMatch` differs from the current version.
   */
  async update(resource: Resource & { id: string }, options: { ifMatch?: string } = {}) {
    return this.write(resource, options);
  }

  /** Creates or replaces a resource, bumping its version; unchanged content is left alone. */
  async upsert(resource: Resource & { id: string }): Promise<void> {
    await this.write(resource, { skipUnchanged: true });
  }

  private async write(
    resource: Resource & { id: string },
    options: { ifMatch?: string; skipUnchanged?: boolean },
  ): Promise<WriteResult> {
    const rows = extractIndexRows(resource);
    return this.sql.transaction(async (sql) => {
      const current = (
        await sql.query<CurrentRow>(
          `SELECT rid::text AS rid, "versionId", content::text AS content FROM ${T}
           WHERE "resourceType" = $1 AND id = $2 FOR UPDATE`,
          [resource.resourceType, resource.id],
        )
      )[0];
      if (options.ifMatch !== undefined && current?.versionId !== Number(options.ifMatch)) {
        throw fhirErrors.preconditionFailed(
          `If-Match W/"${options.ifMatch}" does not match the current version of ${resource.resourceType}/${resource.id} (${current ? `W/"${current.versionId}"` : 'none'}).`,
        );
      }
      if (current && options.skipUnchanged) {
        const old = JSON.parse(current.content) as Resource;
        const { meta: _oldMeta, ...oldRest } = old;
        const { meta: _newMeta, ...newRest } = resource;
        if (
          canonicalJson(oldRest) === canonicalJson(newRest) &&
          old.meta?.versionId === String(current.versionId)
        ) {
          // Answer from the row already read: a second connection here would wait forever on
          // the embedded PGlite server, which serves one connection at a time.
          return { resource: old as StoredResource, created: false };
        }
      }
      if (current) {
        // Bulk-loaded resources have no history row for their first version: keep it now.
        await sql.query(
          `INSERT INTO ${V} ("resourceType", id, "versionId", "lastUpdated", method, content)
           SELECT "resourceType", id, "versionId", "lastUpdated", 'create', content FROM ${T}
           WHERE rid = $1::bigint ON CONFLICT DO NOTHING`,
          [current.rid],
        );
      }
      let previous = current?.versionId;
      if (previous === undefined) {
        const last = await sql.query<{ versionId: number }>(
          `SELECT "versionId" FROM ${V} WHERE "resourceType" = $1 AND id = $2 ORDER BY "versionId" DESC LIMIT 1`,
          [resource.resourceType, resource.id],
        );
        previous = last[0]?.versionId ?? 0;
      }
      const versionId = previous + 1;
      const stored = stamp(resource, resource.id, versionId, new Date(this.now()));
      const json = JSON.stringify(stored);
      const [row] = await sql.query<{ rid: string }>(
        `INSERT INTO ${T} ("resourceType", id, "versionId", "lastUpdated", content, "patientId")
         VALUES ($1, $2, $3::int, $4::timestamptz, $5::jsonb, $6)
         ON CONFLICT ("resourceType", id) DO UPDATE SET "versionId" = EXCLUDED."versionId",
           "lastUpdated" = EXCLUDED."lastUpdated", content = EXCLUDED.content, "patientId" = EXCLUDED."patientId"
         RETURNING rid::text AS rid`,
        [
          resource.resourceType,
          resource.id,
          String(versionId),
          stored.meta.lastUpdated,
          json,
          rows.patientId,
        ],
      );
      const rid = (row as { rid: string }).rid;
      await sql.query(
        `INSERT INTO ${V} ("resourceType", id, "versionId", "lastUpdated", method, content)
         VALUES ($1, $2, $3::int, $4::timestamptz, $5, $6::jsonb)`,
        [
          resource.resourceType,
          resource.id,
          String(versionId),
          stored.meta.lastUpdated,
          current ? 'update' : 'create',
          json,
        ],
      );
      if (current) await sql.query(DELETE_INDEX_ROWS, [`{${rid}}`]);
      await sql.query(INSERT_INDEX_ROWS, indexParams([{ rid, type: resource.resourceType, rows }]));
      return { resource: stored, created: !current };
    });
  }

  /**
   * Deletes a resource: it leaves the current table and its index rows; a tombstone version is
   * recorded. A Patient whose compartment still holds resources cannot be deleted.
   * @returns false when there was nothing to delete.
   * @throws FhirError 409 for a Patient with resources in its compartment.
   */
  async delete(resourceType: string, id: string): Promise<boolean> {
    return this.sql.transaction(async (sql) => {
      const current = (
        await sql.query<CurrentRow>(
          `SELECT rid::text AS rid, "versionId", '' AS content FROM ${T}
           WHERE "resourceType" = $1 AND id = $2 FOR UPDATE`,
          [resourceType, id],
        )
      )[0];
      if (!current) return false;
      if (resourceType === 'Patient') {
        const held = await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${T} WHERE "patientId" = $1 AND "resourceType" <> 'Patient'`,
          [id],
        );
        if ((held[0]?.n ?? 0) > 0) {
          throw fhirErrors.conflict(
            `Patient/${id} still has ${held[0]?.n} resources in its compartment; delete them first.`,
          );
        }
      }
      await sql.query(
        `INSERT INTO ${V} ("resourceType", id, "versionId", "lastUpdated", method, content)
         SELECT "resourceType", id, "versionId", "lastUpdated", 'create', content FROM ${T}
         WHERE rid = $1::bigint ON CONFLICT DO NOTHING`,
        [current.rid],
      );
      await sql.query(`DELETE FROM ${T} WHERE rid = $1::bigint`, [current.rid]);
      await sql.query(DELETE_INDEX_ROWS, [`{${current.rid}}`]);
      await sql.query(
        `INSERT INTO ${V} ("resourceType", id, "versionId", "lastUpdated", method, content)
         VALUES ($1, $2, $3::int, $4::timestamptz, 'delete', NULL)`,
        [resourceType, id, String(current.versionId + 1), new Date(this.now()).toISOString()],
      );
      return true;
    });
  }

  /**
   * Loads many resources at once (generator, imports): multi-row inserts of resources and index
   * rows, one transaction per call. Existing ids are replaced (new version, kept in history); a
   * new resource's first version lives in the current table until it is first updated.
   * @returns how many resources were written.
   */
  async bulkLoad(resources: readonly (Resource & { id: string })[]): Promise<number> {
    if (resources.length === 0) return 0;
    const lastUpdated = new Date(this.now());
    const items = resources.map((resource) => ({
      resource,
      rows: extractIndexRows(resource),
    }));
    return this.sql.transaction(async (sql) => {
      const input = items.map(({ resource, rows }) => ({
        t: resource.resourceType,
        i: resource.id,
        p: rows.patientId,
        c: stamp(resource, resource.id, 1, lastUpdated),
      }));
      const written = await sql.query<{
        rid: string;
        t: string;
        i: string;
        v: number;
        replaced: boolean;
      }>(
        `WITH input AS (
           SELECT x.t, x.i, x.p, x.c FROM jsonb_to_recordset($1::jsonb) AS x(t text, i text, p text, c jsonb)
         ), up AS (
           INSERT INTO ${T} ("resourceType", id, "versionId", "lastUpdated", content, "patientId")
           SELECT t, i, 1, $2::timestamptz, c, p FROM input
           ON CONFLICT ("resourceType", id) DO UPDATE SET "versionId" = ${T}."versionId" + 1,
             "lastUpdated" = EXCLUDED."lastUpdated",
             content = jsonb_set(EXCLUDED.content, '{meta,versionId}', to_jsonb((${T}."versionId" + 1)::text)),
             "patientId" = EXCLUDED."patientId"
           RETURNING rid, "resourceType", id, "versionId", content, (xmax <> 0) AS replaced
         ), hist AS (
           INSERT INTO ${V} ("resourceType", id, "versionId", "lastUpdated", method, content)
           SELECT "resourceType", id, "versionId", $2::timestamptz, 'update', content FROM up WHERE replaced
           ON CONFLICT DO NOTHING
         )
         SELECT rid::text AS rid, "resourceType" AS t, id AS i, "versionId" AS v, replaced FROM up`,
        [JSON.stringify(input), lastUpdated.toISOString()],
      );
      const replaced = written.filter((row) => row.replaced).map((row) => row.rid);
      if (replaced.length > 0) await sql.query(DELETE_INDEX_ROWS, [`{${replaced.join(',')}}`]);
      const ridOf = new Map(written.map((row) => [`${row.t}/${row.i}`, row.rid]));
      const withRid = items.map(({ resource, rows }) => ({
        rid: ridOf.get(`${resource.resourceType}/${resource.id}`) as string,
        type: resource.resourceType,
        rows,
      }));
      await sql.query(INSERT_INDEX_ROWS, indexParams(withRid));
      return written.length;
    });
  }

  /** Which of `ids` exist as `resourceType`. */
  async existingIds(resourceType: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.sql.query<{ id: string }>(
      `SELECT id FROM ${T} WHERE "resourceType" = $1 AND id = ANY($2::text[])`,
      [resourceType, `{${ids.map((id) => `"${id}"`).join(',')}}`],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Patients for the launcher's picker, ordered by family name. */
  async listPatients(limit = 500): Promise<Patient[]> {
    const rows = await this.sql.query<{ id: string; content: string }>(
      `SELECT id, content::text AS content FROM ${T} WHERE "resourceType" = 'Patient'
       ORDER BY lower(coalesce(content->'name'->0->>'family', '')), id LIMIT $1`,
      [String(limit)],
    );
    return rows.map((row) => ({ ...(JSON.parse(row.content) as Patient), id: row.id }));
  }
}
