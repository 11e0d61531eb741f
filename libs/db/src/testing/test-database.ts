import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import pg from 'pg';

import { applyMigrations, migrationsDir } from '../migrations.js';

/** The real PostgreSQL the test suite runs against (trust auth on loopback). */
export const testServerUrl =
  process.env['TEST_DATABASE_SERVER_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

export function databaseUrlFor(name: string): string {
  const url = new URL(testServerUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServerUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function migrationsFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const folders = (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const folder of folders) {
    hash.update(folder);
    hash.update(await readFile(join(migrationsDir, folder, 'migration.sql')));
  }
  return hash.digest('hex').slice(0, 16);
}

let template: Promise<string> | undefined;

/**
 * A migrated template database named after the migrations' content, built once and shared by
 * every test process (an advisory lock serialises the first build). Test databases are cloned
 * from it in milliseconds instead of replaying every migration.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `bedside_tpl_${await migrationsFingerprint()}`;
    await withAdmin(async (client) => {
      await client.query('SELECT pg_advisory_lock(727274)');
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount) return;
        const building = `${name}_building`;
        await client.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
        await client.query(`CREATE DATABASE "${building}"`);
        await applyMigrations(databaseUrlFor(building));
        await client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
      } finally {
        await client.query('SELECT pg_advisory_unlock(727274)');
      }
    });
    return name;
  })();
  return template;
}

/**
 * A fresh, fully migrated database on the real PostgreSQL server, private to the caller.
 * Call `drop()` when done.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const templateName = await migratedTemplate();
  const name = `bedside_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName}"`));
  return {
    name,
    url: databaseUrlFor(name),
    drop: async () => {
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** Creates an empty database (no migrations) for tests of the migration tooling itself. */
export async function createEmptyTestDatabase(): Promise<TestDatabase> {
  const name = `bedside_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: databaseUrlFor(name),
    drop: async () => {
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
