import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createEmptyTestDatabase, type TestDatabase } from './testing/index.js';

import { applyMigrations, diffMigrationsToSchema } from './index.js';

describe('libs/db migrations (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createEmptyTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('applies every migration once, then none', async () => {
    const first = await applyMigrations(db.url);
    expect(first.length).toBeGreaterThan(0);
    expect(first[0]).toMatch(/^\d{14}_init$/);
    expect(await applyMigrations(db.url)).toEqual([]);
  });

  it('records migrations where `prisma migrate deploy` looks for them', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query<{ migration_name: string; finished_at: Date | null }>(
        'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name',
      );
      expect(rows.rows.length).toBeGreaterThan(0);
      for (const row of rows.rows) expect(row.finished_at).toBeInstanceOf(Date);
    } finally {
      await client.end();
    }
  });

  it('yields exactly the Prisma schema: the diff from the migrations folder is empty', async () => {
    expect(await diffMigrationsToSchema(db.url)).toBe('');
  });

  it('keeps the audit log append-only at the database', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO bedside.audit_event (actor, action, outcome, "requestId") VALUES ('a', 'b', 'success', 'r')`,
      );
      await expect(client.query('UPDATE bedside.audit_event SET actor = $1', ['x'])).rejects.toThrow(
        'audit_event is append-only (UPDATE refused)',
      );
      await expect(client.query('DELETE FROM bedside.audit_event')).rejects.toThrow(
        'audit_event is append-only (DELETE refused)',
      );
      await expect(client.query('TRUNCATE bedside.audit_event')).rejects.toThrow(
        'audit_event is append-only (TRUNCATE refused)',
      );
    } finally {
      await client.end();
    }
  });
});
