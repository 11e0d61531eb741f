/**
 * `npm test`: lint, typecheck, unit and integration tests (real PostgreSQL) and browser tests
 * (Debian's Chromium), for every project. Installs Chromium from apt when missing and this runs
 * as root; checks that PostgreSQL answers before spending minutes on the rest.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

import pg from 'pg';

import { run } from './lib/processes.js';

const root = resolve(import.meta.dirname, '../..');
const serverUrl =
  process.env['TEST_DATABASE_SERVER_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const started = performance.now();

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function ensureChromium(): Promise<void> {
  if (process.env['CHROMIUM_PATH'] || has('chromium')) return;
  if (process.getuid?.() !== 0) {
    throw new Error('Chromium is missing. Install it with: sudo apt-get install -y chromium');
  }
  console.log('\u25b8 Installing Debian\u2019s chromium for the browser tests (one time)…');
  await run('apt-get', ['update', '-qq'], { cwd: root, quiet: true });
  await run('apt-get', ['install', '-y', '-qq', 'chromium'], {
    cwd: root,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    quiet: true,
  });
}

async function ensurePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `The tests need PostgreSQL at ${new URL(serverUrl).host} (set TEST_DATABASE_SERVER_URL to use another): ${String(error)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  await Promise.all([ensureChromium(), ensurePostgres()]);
  const env = {
    ...process.env,
    NX_DAEMON: 'false',
    NEXT_TELEMETRY_DISABLED: '1',
    NX_NO_CLOUD: 'true',
  };
  console.log('\u25b8 Checking that TypeScript project references are in sync…');
  await run('npx', ['nx', 'sync:check'], { cwd: root, env });
  console.log('\u25b8 Lint, typecheck and tests for every project…');
  await run(
    'npx',
    ['nx', 'run-many', '-t', 'lint', 'typecheck', 'test', '--parallel=2', '--outputStyle=static'],
    {
      cwd: root,
      env,
    },
  );
  console.log(
    `\u2714 All checks passed in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );
}

main().catch((error: unknown) => {
  console.error(`\u2716 ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
