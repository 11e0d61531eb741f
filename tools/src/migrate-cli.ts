/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database
 * under .data/ when DATABASE_URL is not set. Works offline (schema engine as WebAssembly).
 */
import { join, resolve } from 'node:path';

import { applyMigrations, startEmbeddedPostgres } from '@bedside/db';

const root = resolve(import.meta.dirname, '../..');

async function main(): Promise<void> {
  let url = process.env['DATABASE_URL'];
  const embedded = url
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: join(resolve(root, process.env['BEDSIDE_DATA_DIR'] ?? '.data'), 'pglite'),
        port: Number(process.env['EMBEDDED_PG_PORT'] ?? 54329),
      });
  url ??= embedded?.url ?? '';
  try {
    const applied = await applyMigrations(url);
    console.log(
      applied.length === 0 ? 'Database already up to date.' : `Applied: ${applied.join(', ')}`,
    );
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
