import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { withSchemaEngine } from './schema-engine.js';

/** `libs/db/prisma`, whether this module runs from `src/` (tests, tsx) or from `dist/`. */
export const prismaDir = fileURLToPath(new URL('../prisma/', import.meta.url));
export const migrationsDir = join(prismaDir, 'migrations');
/** The Prisma schema is a folder: one file per owner of a set of tables. */
export const schemaDir = join(prismaDir, 'schema');
const lockfileName = 'migration_lock.toml';
const noFilters = { externalTables: [], externalEnums: [] };

async function readSchemaFiles(): Promise<{ path: string; content: string }[]> {
  const names = (await readdir(schemaDir)).filter((name) => name.endsWith('.prisma')).sort();
  return Promise.all(
    names.map(async (name) => {
      const path = join(schemaDir, name);
      return { path, content: await readFile(path, 'utf8') };
    }),
  );
}

/** Reads `prisma/migrations` in Prisma's folder format, exactly as `prisma migrate deploy` would. */
async function readMigrationList() {
  await mkdir(migrationsDir, { recursive: true });
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrationDirectories = await Promise.all(
    folders.map(async (folder) => {
      const file = join(migrationsDir, folder, 'migration.sql');
      const content = await readFile(file, 'utf8').then(
        (sql) => ({ tag: 'ok' as const, value: sql }),
        (error: Error) => ({ tag: 'error' as const, value: error.message }),
      );
      return { path: folder, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  const lockfileContent = await readFile(join(migrationsDir, lockfileName), 'utf8').catch(
    () => null,
  );
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockfileName, content: lockfileContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/**
 * Applies every migration in `prisma/migrations` that the database has not seen, recording each in
 * `_prisma_migrations` so a machine with the native Prisma CLI can take over the same folder.
 * Works offline: the schema engine runs as WebAssembly over the `pg` driver adapter.
 * @returns the names of the migrations applied by this call.
 */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  const migrationsList = await readMigrationList();
  return withSchemaEngine(databaseUrl, await readSchemaFiles(), async (engine) => {
    const result = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return result.appliedMigrationNames;
  });
}

/**
 * SQL that would take the database described by the migrations folder to the Prisma schema.
 * An empty result means the migrations produce exactly the schema. Needs a server that allows
 * `CREATE DATABASE` (the engine replays the migrations into a throw-away shadow database).
 */
export async function diffMigrationsToSchema(databaseUrl: string): Promise<string> {
  const migrationsList = await readMigrationList();
  const files = await readSchemaFiles();
  return withSchemaEngine(databaseUrl, files, async (engine) => {
    const result = await engine.diff({
      from:
        migrationsList.migrationDirectories.length === 0
          ? { tag: 'empty' }
          : { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return stripEmptyDiffComment(result.stdout ?? '');
  });
}

function stripEmptyDiffComment(sql: string): string {
  return sql.replace(/^-- This is an empty migration\.\s*$/m, '').trim();
}

/**
 * Writes the next migration (`prisma/migrations/<timestamp>_<name>/migration.sql`) from the
 * difference between the existing migrations and the Prisma schema (`prisma/schema/*.prisma`).
 * @returns the folder written, or `undefined` when the schema has not changed.
 * @throws Error when `name` is not a lower-case identifier.
 */
export async function createMigration(
  databaseUrl: string,
  name: string,
  now: Date = new Date(),
): Promise<string | undefined> {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`Migration name "${name}" must match [a-z][a-z0-9_]* (at most 63 characters).`);
  }
  const sql = await diffMigrationsToSchema(databaseUrl);
  if (sql === '') return undefined;
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const folder = join(migrationsDir, `${stamp}_${name}`);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'migration.sql'), `${sql}\n`);
  const lockfile = join(migrationsDir, lockfileName);
  const hasLockfile = await readFile(lockfile, 'utf8').then(
    () => true,
    () => false,
  );
  if (!hasLockfile) {
    await writeFile(
      lockfile,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  return folder;
}
