/**
 * Bulk Data 2.0 `$export` (system, Patient and Group level): kick-off 202 + Content-Location,
 * status polls 202 (Retry-After, X-Progress) then the manifest, NDJSON files streamed from
 * PostgreSQL through a server-side cursor, DELETE to cancel, files that expire. Job state lives
 * in sandbox.fhir_export_job, so any sandbox instance answers any poll.
 * See: Bulk Data 2.0 export.md; checklist BULK-01..10.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';

import type { AccessTokenClaims } from '../auth/tokens.js';
import { allowAnyOrigin, fhirJson } from '../http/fhir-http.js';
import type { SandboxServices } from '../services.js';
import { FhirError, fhirErrors } from './fhir-error.js';
import { authenticateBearer, queryPairs, sendFhirError } from './fhir.routes.js';
import { authorizeTypes, isPatientData } from './read-access.js';
import { buildSearchConditions, Query } from './search.js';
import { dateRange, parseReferenceValue, supportedResourceTypes } from './search-params.js';
import type { Sql } from './sql.js';

const OUTPUT_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];
/** How long a completed export's files stay downloadable. */
export const EXPORT_TTL_MS = 60 * 60 * 1000;
/** Rows per cursor FETCH: bounds the server's memory whatever the export size. */
const FETCH_ROWS = 100;

interface ExportParams {
  types: string[];
  since?: string;
  typeFilters: Record<string, string[]>;
}

interface JobRow {
  id: string;
  status: string;
  level: string;
  request: string;
  clientId: string;
  patientIds: string[] | null;
  params: ExportParams;
  transactionTime: Date;
  progress: string | null;
  output: { type: string; url: string; count: number }[] | null;
  error: unknown[] | null;
  expiresAt: Date;
}

const JOB = 'sandbox.fhir_export_job';

/** WHERE clause and values selecting one type's resources for a job. */
export function exportConditions(
  job: Pick<JobRow, 'patientIds' | 'params' | 'transactionTime'>,
  type: string,
): { where: string; values: string[] } {
  const q = new Query();
  q.where.push(`r."resourceType" = ${q.param(type)}`);
  q.where.push(
    `r."lastUpdated" <= ${q.param(new Date(job.transactionTime).toISOString())}::timestamptz`,
  );
  if (job.params.since) {
    q.where.push(`r."lastUpdated" > ${q.param(job.params.since)}::timestamptz`);
  }
  if (job.patientIds) {
    const list = `{${job.patientIds.map((id) => `"${id}"`).join(',')}}`;
    q.where.push(
      type === 'Patient'
        ? `r.id = ANY(${q.param(list)}::text[])`
        : `r."patientId" = ANY(${q.param(list)}::text[])`,
    );
  }
  // Several _typeFilter queries for one type are ORed (Bulk Data 2.0 §_typeFilter).
  const filters = job.params.typeFilters[type] ?? [];
  if (filters.length > 0) {
    const alternatives = filters.map((filter) => {
      const sub = new Query();
      sub.values.push(...q.values);
      buildSearchConditions(
        { resourceType: type, params: [...new URLSearchParams(filter)], strict: true },
        sub,
      );
      q.values.splice(0, q.values.length, ...sub.values);
      return `(${sub.where.join(' AND ')})`;
    });
    q.where.push(`(${alternatives.join(' OR ')})`);
  }
  return { where: q.where.join(' AND '), values: q.values };
}

function parseList(pairs: [string, string][], name: string): string[] {
  return pairs
    .filter(([key]) => key === name)
    .flatMap(([, value]) => value.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function exportableTypes(level: 'system' | 'patient' | 'group'): string[] {
  return level === 'system'
    ? [...supportedResourceTypes]
    : supportedResourceTypes.filter(isPatientData);
}

/**
 * Kick-off parameters. Repeated and comma-separated values form one list (BULK-05).
 * @throws FhirError 400 for an unsupported format, a bad `_since`, unknown `_type` (unless
 *   Prefer: handling=lenient) or a `_typeFilter` that is not a valid search.
 */
function parseKickOff(
  pairs: [string, string][],
  level: 'system' | 'patient' | 'group',
  lenient: boolean,
): ExportParams {
  const format = pairs.find(([key]) => key === '_outputFormat')?.[1];
  if (format !== undefined && !OUTPUT_FORMATS.includes(format)) {
    throw fhirErrors.invalid(
      `_outputFormat ${format} is not supported; use application/fhir+ndjson.`,
    );
  }
  const since = pairs.find(([key]) => key === '_since')?.[1];
  let sinceIso: string | undefined;
  if (since !== undefined) {
    const range = /T/.test(since) ? dateRange(since) : undefined;
    if (!range) throw fhirErrors.invalid(`_since "${since}" is not a FHIR instant.`);
    sinceIso = range.low.toISOString();
  }
  const allowed = exportableTypes(level);
  let types = parseList(pairs, '_type');
  const unknown = types.filter((type) => !allowed.includes(type));
  if (unknown.length > 0 && !lenient) {
    throw new FhirError(
      'not-supported',
      `_type ${unknown.join(', ')} cannot be exported at this level (supported: ${allowed.join(', ')}).`,
      400,
    );
  }
  types = types.filter((type) => allowed.includes(type));
  const typeFilters: Record<string, string[]> = {};
  // _typeFilter values are whole queries (their commas are search ORs): never split on commas.
  for (const filter of pairs.filter(([key]) => key === '_typeFilter').map(([, v]) => v)) {
    const [type, query = ''] = filter.split('?', 2) as [string, string | undefined];
    if (!allowed.includes(type))
      throw fhirErrors.invalid(`_typeFilter ${filter}: ${type} is not exportable here.`);
    buildSearchConditions({
      resourceType: type,
      params: [...new URLSearchParams(query)],
      strict: true,
    });
    (typeFilters[type] ??= []).push(query);
  }
  return { types, ...(sinceIso ? { since: sinceIso } : {}), typeFilters };
}

async function readJob(sql: Sql, id: string): Promise<JobRow | undefined> {
  const rows = await sql.query<JobRow>(
    `SELECT id, status, level, request, "clientId", "patientIds", params, "transactionTime", progress, output, error, "expiresAt"
     FROM ${JOB} WHERE id = $1`,
    [id],
  );
  return rows[0];
}

/** Counts each type's resources and completes the job (the files are read on download). */
async function runJob(
  sql: Sql,
  job: JobRow,
  fhirBaseUrl: string,
  now: () => number,
): Promise<void> {
  const output: JobRow['output'] = [];
  try {
    for (const [index, type] of job.params.types.entries()) {
      const current = await readJob(sql, job.id);
      if (!current || current.status !== 'in-progress') return;
      const { where, values } = exportConditions(job, type);
      const rows = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sandbox.fhir_resource r WHERE ${where}`,
        values,
      );
      const count = rows[0]?.n ?? 0;
      if (count > 0) {
        output.push({ type, url: `${fhirBaseUrl}/$export-file/${job.id}/${type}.ndjson`, count });
      }
      await sql.query(`UPDATE ${JOB} SET progress = $2 WHERE id = $1 AND status = 'in-progress'`, [
        job.id,
        `counted ${index + 1} of ${job.params.types.length} types`,
      ]);
    }
    await sql.query(
      `UPDATE ${JOB} SET status = 'completed', output = $2::jsonb, error = '[]'::jsonb, progress = 'done',
       "completedAt" = $3::timestamptz, "expiresAt" = $4::timestamptz WHERE id = $1 AND status = 'in-progress'`,
      [
        job.id,
        JSON.stringify(output),
        new Date(now()).toISOString(),
        new Date(now() + EXPORT_TTL_MS).toISOString(),
      ],
    );
  } catch (error) {
    await sql.query(`UPDATE ${JOB} SET status = 'failed', error = $2::jsonb WHERE id = $1`, [
      job.id,
      JSON.stringify([{ message: error instanceof Error ? error.message : String(error) }]),
    ]);
  }
}

/**
 * Streams one type's resources in keyset batches inside one read-only REPEATABLE READ
 * transaction (one snapshot for the whole file): never the whole export in memory. PostgreSQL
 * joins each batch into one NDJSON string, so Node handles one string per batch, not a row object
 * per resource.
 */
async function* streamNdjson(
  pool: pg.Pool,
  where: string,
  values: string[],
): AsyncGenerator<string> {
  const client = await pool.connect();
  let open = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    const after = `$${values.length + 1}`;
    const text = `SELECT string_agg(s.line, E'\\n' ORDER BY s.rid) AS chunk, max(s.rid)::text AS last, count(*)::int AS n
      FROM (SELECT r.rid, r.content::text AS line FROM sandbox.fhir_resource r
            WHERE ${where} AND r.rid > ${after}::bigint ORDER BY r.rid LIMIT ${FETCH_ROWS}) s`;
    let last = '0';
    for (;;) {
      const result = await client.query<{ chunk: string | null; last: string | null; n: number }>(
        text,
        [...values, last],
      );
      const row = result.rows[0];
      if (!row?.chunk || !row.last) break;
      yield `${row.chunk}\n`;
      last = row.last;
      if (row.n < FETCH_ROWS) break;
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

export function registerExportRoutes(app: FastifyInstance, services: SandboxServices): void {
  const { config, store, now } = services;
  const sql = store.sql;
  const base = config.fhirBaseUrl;

  const withToken =
    <P>(
      handler: (
        request: FastifyRequest<{ Params: P }>,
        reply: FastifyReply,
        claims: AccessTokenClaims,
      ) => Promise<FastifyReply>,
    ) =>
    async (request: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
      allowAnyOrigin(reply);
      reply.header('Cache-Control', 'no-store');
      const claims = await authenticateBearer(services, request, reply);
      if (!claims) return reply;
      try {
        return await handler(request, reply, claims);
      } catch (error) {
        return sendFhirError(reply, error);
      }
    };

  const kickOff = async (
    level: 'system' | 'patient' | 'group',
    request: FastifyRequest<{ Params: { id?: string } }>,
    reply: FastifyReply,
    claims: AccessTokenClaims,
  ) => {
    const pairs = [...queryPairs(request.url), ...parametersBody(request.body)];
    const lenient = /handling\s*=\s*lenient/i.test(String(request.headers['prefer'] ?? ''));
    const params = parseKickOff(pairs, level, lenient);
    // BULK-10: only what the client is authorized for. System scopes export anything they
    // cover; a patient-context token exports its own compartment (Patient level only).
    let patientIds: string[] | null = null;
    const requested = params.types.length > 0 ? params.types : exportableTypes(level);
    let types = requested;
    try {
      if (params.types.length > 0) authorizeTypes(claims, requested, ['system'], '$export');
      else types = requested.filter((type) => canExport(claims, type, ['system']));
      if (types.length === 0)
        throw new FhirError('forbidden', 'The token has no system/ scope allowing $export.', 403);
    } catch (error) {
      if (level !== 'patient' || !claims.patient) throw error;
      if (params.types.length > 0) authorizeTypes(claims, requested, ['patient'], '$export');
      else types = requested.filter((type) => canExport(claims, type, ['patient']));
      if (types.length === 0) throw error;
      patientIds = [claims.patient];
    }
    let groupId: string | null = null;
    if (level === 'group') {
      groupId = (request.params as { id: string }).id;
      const group = await store.read('Group', groupId);
      if (!group) throw fhirErrors.notFound(`Group/${groupId} does not exist.`);
      patientIds = ((group['member'] as { entity?: { reference?: string } }[] | undefined) ?? [])
        .map((member) => parseReferenceValue(member.entity?.reference ?? ''))
        .filter((ref) => ref?.targetType === 'Patient')
        .map((ref) => ref?.targetId as string);
    } else if (level === 'patient' && patientIds === null) {
      const patientParam = pairs.filter(([key]) => key === 'patient').map(([, v]) => v);
      if (patientParam.length > 0) {
        patientIds = patientParam.map((ref) => parseReferenceValue(ref)?.targetId ?? ref);
      }
    }
    await sql.query(`DELETE FROM ${JOB} WHERE "expiresAt" < $1::timestamptz`, [
      new Date(now()).toISOString(),
    ]);
    const id = randomBytes(16).toString('hex');
    const job: JobRow = {
      id,
      status: 'in-progress',
      level,
      request: `${config.publicUrl}${request.url}`,
      clientId: claims.client_id,
      patientIds,
      params: { ...params, types },
      transactionTime: new Date(now()),
      progress: 'accepted',
      output: null,
      error: null,
      // Unfinished jobs expire too (a crashed instance leaves nothing behind for ever).
      expiresAt: new Date(now() + EXPORT_TTL_MS),
    };
    await sql.query(
      `INSERT INTO ${JOB} (id, status, level, request, "clientId", scope, "patientIds", "groupId", params, "transactionTime", progress, "expiresAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9::jsonb, $10::timestamptz, $11, $12::timestamptz)`,
      [
        id,
        job.status,
        level,
        job.request,
        job.clientId,
        claims.scope,
        patientIds === null ? null : `{${patientIds.map((p) => `"${p}"`).join(',')}}`,
        groupId,
        JSON.stringify(job.params),
        job.transactionTime.toISOString(),
        job.progress,
        job.expiresAt.toISOString(),
      ],
    );
    setImmediate(() => {
      runJob(sql, job, base, now).catch((error: unknown) => {
        request.log.warn({ err: error, job: id }, 'export job could not record its failure');
      });
    });
    return reply
      .code(202)
      .header('Content-Location', `${base}/$export-status/${id}`)
      .type(fhirJson)
      .send({
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'information', code: 'informational', diagnostics: 'Export accepted.' },
        ],
      });
  };

  for (const method of ['GET', 'POST'] as const) {
    app.route<{ Params: { id?: string } }>({
      method,
      url: '/fhir/$export',
      handler: withToken((request, reply, claims) => kickOff('system', request, reply, claims)),
    });
    app.route<{ Params: { id?: string } }>({
      method,
      url: '/fhir/Patient/$export',
      handler: withToken((request, reply, claims) => kickOff('patient', request, reply, claims)),
    });
    app.route<{ Params: { id?: string } }>({
      method,
      url: '/fhir/Group/:id/$export',
      handler: withToken((request, reply, claims) => kickOff('group', request, reply, claims)),
    });
  }

  /** The job, if it exists, is the caller's (BULK-10: restricted to the kick-off's client) and not expired. */
  const ownJob = async (id: string, claims: AccessTokenClaims): Promise<JobRow> => {
    const job = await readJob(sql, id);
    if (!job || job.clientId !== claims.client_id || job.status === 'cancelled') {
      throw fhirErrors.notFound(`No export job ${id}.`);
    }
    if (job.expiresAt.getTime() <= now()) {
      await sql.query(`DELETE FROM ${JOB} WHERE id = $1`, [id]);
      throw fhirErrors.notFound(`Export ${id} expired; its files are gone.`);
    }
    return job;
  };

  app.get<{ Params: { id: string } }>(
    '/fhir/$export-status/:id',
    withToken(async (request, reply, claims) => {
      const job = await ownJob(request.params.id, claims);
      if (job.status === 'in-progress') {
        return reply
          .code(202)
          .header('Retry-After', '1')
          .header('X-Progress', (job.progress ?? 'in progress').slice(0, 99))
          .send();
      }
      if (job.status === 'failed') {
        throw new FhirError('exception', `The export failed: ${JSON.stringify(job.error)}`, 500);
      }
      return reply
        .code(200)
        .header('Expires', job.expiresAt.toUTCString())
        .type('application/json')
        .send({
          transactionTime: job.transactionTime.toISOString(),
          request: job.request,
          requiresAccessToken: true,
          output: job.output ?? [],
          error: [],
        });
    }),
  );

  app.delete<{ Params: { id: string } }>(
    '/fhir/$export-status/:id',
    withToken(async (request, reply, claims) => {
      const job = await ownJob(request.params.id, claims);
      await sql.query(`UPDATE ${JOB} SET status = 'cancelled' WHERE id = $1`, [job.id]);
      return reply
        .code(202)
        .type(fhirJson)
        .send({
          resourceType: 'OperationOutcome',
          issue: [
            { severity: 'information', code: 'informational', diagnostics: 'Export cancelled.' },
          ],
        });
    }),
  );

  app.get<{ Params: { id: string; file: string } }>(
    '/fhir/$export-file/:id/:file',
    withToken(async (request, reply, claims) => {
      const job = await ownJob(request.params.id, claims);
      const type = request.params.file.replace(/\.ndjson$/, '');
      if (job.status !== 'completed' || !job.output?.some((item) => item.type === type)) {
        throw fhirErrors.notFound(`Export ${job.id} has no file ${request.params.file}.`);
      }
      const pool = store.pool;
      if (!pool) throw new FhirError('exception', 'Export files need the server pool.', 500);
      const { where, values } = exportConditions(job, type);
      return reply
        .code(200)
        .type('application/fhir+ndjson')
        .send(Readable.from(streamNdjson(pool, where, values), { objectMode: false }));
    }),
  );
}

function canExport(
  claims: AccessTokenClaims,
  type: string,
  contexts: ('system' | 'patient')[],
): boolean {
  try {
    authorizeTypes(claims, [type], contexts, '$export');
    return true;
  } catch {
    return false;
  }
}

/** POST kick-off: a Parameters resource (valueString / valueCode / valueInstant per parameter). */
function parametersBody(body: unknown): [string, string][] {
  const parameter = (
    body as { parameter?: { name?: string; [key: string]: unknown }[] } | undefined
  )?.parameter;
  if (!Array.isArray(parameter)) return [];
  const pairs: [string, string][] = [];
  for (const item of parameter) {
    const value =
      item['valueString'] ??
      item['valueCode'] ??
      item['valueInstant'] ??
      (item['valueReference'] as { reference?: string } | undefined)?.reference;
    if (typeof item.name === 'string' && typeof value === 'string') pairs.push([item.name, value]);
  }
  return pairs;
}
