import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mintToken } from '../../test/fhir-client.js';
import { startSandbox, type SandboxHarness } from '../../test/harness.js';
import { generateIntoStore } from '../seed/generator.js';
import { ResourceStore } from './resource-store.js';

interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: unknown[];
}

describe('Bulk Data 2.0 $export (BULK-01..10, real PostgreSQL)', () => {
  let sandbox: SandboxHarness;
  let systemToken: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    await generateIntoStore(new ResourceStore(sandbox.prisma), { patients: 6, seed: 11 });
    await new ResourceStore(sandbox.prisma).upsert({
      resourceType: 'Group',
      id: 'cohort',
      type: 'person',
      actual: true,
      member: [
        { entity: { reference: 'Patient/syn-s11-p0' } },
        { entity: { reference: 'Patient/syn-s11-p1' } },
      ],
    });
    systemToken = await mintToken(sandbox, 'system/*.rs');
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const call = (url: string, token: string | undefined, init: RequestInit = {}) =>
    fetch(url.startsWith('http') ? url : `${sandbox.fhirBaseUrl}/${url}`, {
      ...init,
      headers: {
        accept: 'application/fhir+json',
        prefer: 'respond-async',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  async function kickOffAndWait(
    path: string,
    token = systemToken,
  ): Promise<{ status: string; manifest: Manifest }> {
    sandbox.clock.now = Date.now();
    const kick = await call(path, token);
    expect(kick.status, await kick.clone().text()).toBe(202);
    const status = kick.headers.get('content-location') as string;
    expect(status).toMatch(new RegExp(`^${sandbox.fhirBaseUrl}/\\$export-status/[0-9a-f]{32}$`));
    for (let attempt = 0; attempt < 100; attempt++) {
      const poll = await call(status, token);
      if (poll.status === 202) {
        expect(poll.headers.get('retry-after')).toBe('1');
        expect(poll.headers.get('x-progress')?.length).toBeLessThan(100);
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      expect(poll.status).toBe(200);
      expect(poll.headers.get('content-type')).toMatch(/^application\/json/);
      expect(poll.headers.get('expires')).toBeTruthy();
      return { status, manifest: (await poll.json()) as Manifest };
    }
    throw new Error('export did not finish');
  }

  async function download(url: string, token = systemToken): Promise<Record<string, unknown>[]> {
    const response = await call(url, token, { headers: { accept: 'application/fhir+ndjson' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
    const text = await response.text();
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async function countInDatabase(
    where: string,
    values: unknown[] = [],
  ): Promise<Record<string, number>> {
    const rows = await sandbox.prisma.$queryRawUnsafe<{ t: string; n: number }[]>(
      `SELECT "resourceType" AS t, count(*)::int AS n FROM sandbox.fhir_resource WHERE ${where} GROUP BY 1`,
      ...values,
    );
    return Object.fromEntries(rows.map((row) => [row.t, row.n]));
  }

  it('system export: kick-off, poll, manifest, download; counts equal the database', async () => {
    const { manifest } = await kickOffAndWait('$export');
    expect(manifest).toMatchObject({
      requiresAccessToken: true,
      error: [],
      request: `${sandbox.baseUrl}/fhir/$export`,
    });
    expect(Number.isNaN(Date.parse(manifest.transactionTime))).toBe(false);
    const expected = await countInDatabase('TRUE');
    expect(Object.fromEntries(manifest.output.map((o) => [o.type, o.count]))).toEqual(expected);
    for (const item of manifest.output) {
      expect(item.url).toBe(
        `${sandbox.fhirBaseUrl}/$export-file/${item.url.split('/').at(-2)}/${item.type}.ndjson`,
      );
      const lines = await download(item.url);
      expect(lines).toHaveLength(item.count);
      expect(new Set(lines.map((l) => l['resourceType']))).toEqual(new Set([item.type]));
      expect(new Set(lines.map((l) => l['id'])).size).toBe(item.count);
    }
  });

  it('Patient-level export with _type and _typeFilter', async () => {
    const filter = encodeURIComponent('Observation?category=laboratory&code=4548-4');
    const { manifest } = await kickOffAndWait(
      `Patient/$export?_type=Observation,Condition&_typeFilter=${filter}&_outputFormat=ndjson`,
    );
    expect(manifest.output.map((o) => o.type).sort()).toEqual(['Condition', 'Observation']);
    const observations = await download(
      manifest.output.find((o) => o.type === 'Observation')?.url as string,
    );
    const db = await sandbox.prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM sandbox.fhir_resource WHERE "resourceType" = 'Observation' AND content->'code'->'coding'->0->>'code' = '4548-4' AND "patientId" IS NOT NULL`,
    );
    expect(observations).toHaveLength(db[0]?.n as number);
  });

  it('Group-level export covers only the members; _since filters by lastUpdated', async () => {
    const { manifest } = await kickOffAndWait('Group/cohort/$export?_type=Patient,Encounter');
    const patients = await download(
      manifest.output.find((o) => o.type === 'Patient')?.url as string,
    );
    expect(patients.map((p) => p['id']).sort()).toEqual(['syn-s11-p0', 'syn-s11-p1']);
    const encounters = await countInDatabase(
      `"patientId" IN ('syn-s11-p0','syn-s11-p1') AND "resourceType" = 'Encounter'`,
    );
    expect(manifest.output.find((o) => o.type === 'Encounter')?.count).toBe(
      encounters['Encounter'],
    );
    const future = new Date(Date.now() + 60_000).toISOString();
    const later = await kickOffAndWait(`$export?_since=${encodeURIComponent(future)}`);
    expect(later.manifest.output).toEqual([]);
  });

  it('a patient-context token exports only its own compartment', async () => {
    const token = await mintToken(sandbox, 'patient/*.rs', 'syn-s11-p2');
    const { manifest } = await kickOffAndWait('Patient/$export?_type=Patient,Observation', token);
    const patients = await download(
      manifest.output.find((o) => o.type === 'Patient')?.url as string,
      token,
    );
    expect(patients.map((p) => p['id'])).toEqual(['syn-s11-p2']);
    const system = await call('$export', token);
    expect(system.status).toBe(403);
  });

  it('DELETE cancels: 202, then polls are 404', async () => {
    const kick = await call('$export', systemToken);
    const status = kick.headers.get('content-location') as string;
    const cancel = await call(status, systemToken, { method: 'DELETE' });
    expect(cancel.status).toBe(202);
    const poll = await call(status, systemToken);
    expect(poll.status).toBe(404);
    expect(await poll.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'not-found' }],
    });
  });

  it('files need the token, and only the kick-off client may read them', async () => {
    const { manifest, status } = await kickOffAndWait('$export?_type=Patient');
    const url = manifest.output[0]?.url as string;
    expect((await call(url, undefined)).status).toBe(401);
    expect((await call(status, undefined)).status).toBe(401);
    const otherClient = await mintToken(sandbox, 'system/*.rs');
    // Same client_id in tests' minted tokens: a different client is simulated by editing the job.
    await sandbox.prisma.$executeRawUnsafe(
      `UPDATE sandbox.fhir_export_job SET "clientId" = 'someone-else'`,
    );
    expect((await call(url, otherClient)).status).toBe(404);
  });

  it('files expire', async () => {
    const { manifest } = await kickOffAndWait('$export?_type=Patient');
    sandbox.clock.now += 2 * 60 * 60 * 1000;
    try {
      const token = await mintToken(sandbox, 'system/*.rs');
      const response = await call(manifest.output[0]?.url as string, token);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({
        issue: [{ diagnostics: expect.stringContaining('expired') }],
      });
    } finally {
      sandbox.clock.now = Date.now();
    }
  });

  it.each([
    ['$export?_outputFormat=text/csv', 400, 'invalid'],
    ['$export?_since=yesterday', 400, 'invalid'],
    ['$export?_type=Frobnication', 400, 'not-supported'],
    ['$export?_typeFilter=Observation%3Fdate%3Dnotadate', 400, 'invalid'],
    ['Group/nobody/$export', 404, 'not-found'],
  ])('%s → %i %s', async (path, status, code) => {
    const response = await call(path, systemToken);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code }],
    });
  });

  it('Prefer: handling=lenient drops unknown _type values', async () => {
    const response = await call('$export?_type=Frobnication,Patient', systemToken, {
      headers: { prefer: 'respond-async, handling=lenient' },
    });
    expect(response.status).toBe(202);
  });

  it('tokens without system (or patient) scopes cannot export: 401 without, 403 with user scopes', async () => {
    expect((await call('$export', undefined)).status).toBe(401);
    const user = await mintToken(sandbox, 'user/*.rs');
    const response = await call('$export', user);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ issue: [{ code: 'forbidden' }] });
    const narrow = await mintToken(sandbox, 'system/Patient.rs');
    expect((await call('$export?_type=Observation', narrow)).status).toBe(403);
    expect((await call('$export?_type=Patient', narrow)).status).toBe(202);
  });

  it('the CapabilityStatement declares bulk data export (BULK-01)', async () => {
    const metadata = (await (await fetch(`${sandbox.fhirBaseUrl}/metadata`)).json()) as {
      instantiates: string[];
      rest: {
        operation: { name: string }[];
        resource: { type: string; operation?: { name: string; definition: string }[] }[];
      }[];
    };
    expect(metadata.instantiates).toContain(
      'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data',
    );
    expect(metadata.rest[0]?.operation).toEqual([expect.objectContaining({ name: 'export' })]);
    expect(
      metadata.rest[0]?.resource.find((r) => r.type === 'Group')?.operation?.[0]?.definition,
    ).toBe('http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export');
  });
});
