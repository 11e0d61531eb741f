import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';

import { applyMigrations } from '@bedside/db';
import {
  createEmptyTestDatabase,
  createTestDatabase,
  type TestDatabase,
} from '@bedside/db/testing';

import { AuditService } from './audit.service.js';

describe('AuditService — batched, append-only, nothing lost on failure (real PostgreSQL)', () => {
  let database: TestDatabase | undefined;
  let service: AuditService | undefined;

  afterEach(async () => {
    await service?.onApplicationShutdown();
    await database?.drop();
  });

  const event = (requestId: string) => ({
    actor: 'Practitioner/p1',
    action: 'fhir.read',
    outcome: 'success' as const,
    requestId,
    patientId: 'p-1',
    detail: { resourceType: 'Patient', latencyMs: 1.5 },
  });

  it('writes many concurrent rows in few statements, each with its own fields', async () => {
    database = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    service = new AuditService(pool);
    await Promise.all(
      Array.from({ length: 250 }, (_, index) => service?.record(event(`r-${index}`))),
    );
    const check = new pg.Client({ connectionString: database.url });
    await check.connect();
    const rows = await check.query<{ count: string; distinct: string }>(
      `SELECT count(*) AS count, count(DISTINCT "requestId") AS distinct FROM bedside.audit_event WHERE detail->>'resourceType' = 'Patient'`,
    );
    await check.end();
    expect(rows.rows[0]).toEqual({ count: '250', distinct: '250' });
  });

  it('keeps a batch that failed and writes it once the database accepts it', async () => {
    database = await createEmptyTestDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    service = new AuditService(pool);
    // The table does not exist yet: the first attempt fails and the row stays queued.
    const written = service.record(event('survivor'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await applyMigrations(database.url);
    await written;
    const check = new pg.Client({ connectionString: database.url });
    await check.connect();
    const rows = await check.query(`SELECT actor, "requestId" FROM bedside.audit_event`);
    await check.end();
    expect(rows.rows).toEqual([{ actor: 'Practitioner/p1', requestId: 'survivor' }]);
  });
});
