/**
 * `npm start`: builds what is needed, starts the database (embedded PGlite unless DATABASE_URL is
 * set), migrates, seeds the sandbox, registers the app with it, starts sandbox-ehr, bff, cds and web,
 * and prints where to click. Ctrl-C stops everything.
 */
import { join, resolve } from 'node:path';

import {
  applyMigrations,
  createPrismaClient,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '@bedside/db';

import { registerSandboxWithCds } from './lib/cds-registration.js';
import { registerWithSandbox } from './lib/dev-registration.js';
import { loadDevelopmentSecrets } from './lib/dev-secrets.js';
import { findBusyPorts } from './lib/ports.js';
import {
  run,
  startProcess,
  stopProcess,
  waitForHttp,
  type ManagedProcess,
} from './lib/processes.js';

const root = resolve(import.meta.dirname, '../..');
const env = process.env;
const intFrom = (name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${name}="${raw}" is not a port number (1-65535).`);
    process.exit(2);
  }
  return value;
};

const ports = {
  web: intFrom('WEB_PORT', 3000),
  bff: intFrom('BFF_PORT', 3001),
  sandbox: intFrom('SANDBOX_PORT', 4000),
  cds: intFrom('CDS_PORT', 3002),
  embeddedDb: intFrom('EMBEDDED_PG_PORT', 54329),
};
const dataDir = resolve(root, env['BEDSIDE_DATA_DIR'] ?? '.data');
const useEmbedded = !env['DATABASE_URL'];
const webUrl = `http://localhost:${ports.web}`;
const sandboxUrl = `http://localhost:${ports.sandbox}`;
const cdsUrl = `http://localhost:${ports.cds}`;
const step = (message: string) => console.log(`\u25b8 ${message}`);
const started = performance.now();

const children: ManagedProcess[] = [];
let database: EmbeddedPostgres | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.all(children.map((child) => stopProcess(child)));
    await database?.stop().catch(() => undefined);
  }
  process.exit(code);
}
process.on('SIGINT', () => {
  console.log('\nStopping Bedside…');
  void shutdown(0);
});
process.on('SIGTERM', () => void shutdown(0));

async function main(): Promise<void> {
  const busy = await findBusyPorts([
    { port: ports.web, variable: 'WEB_PORT', purpose: 'web app' },
    { port: ports.bff, variable: 'BFF_PORT', purpose: 'bff' },
    { port: ports.sandbox, variable: 'SANDBOX_PORT', purpose: 'sandbox EHR' },
    { port: ports.cds, variable: 'CDS_PORT', purpose: 'CDS service' },
    ...(useEmbedded
      ? [{ port: ports.embeddedDb, variable: 'EMBEDDED_PG_PORT', purpose: 'embedded PostgreSQL' }]
      : []),
  ]);
  if (busy.length > 0) {
    for (const message of busy) console.error(`\u2716 ${message}`);
    process.exit(1);
  }

  if (env['BEDSIDE_SKIP_BUILD'] !== '1') {
    step('Building sandbox-ehr, bff, cds and web (cached after the first run)…');
    await run(
      'npx',
      [
        'nx',
        'run-many',
        '-t',
        'build',
        '-p',
        'sandbox-ehr',
        'bff',
        'cds',
        'web',
        '--output-style=static',
      ],
      {
        cwd: root,
        env: { ...env, NX_DAEMON: 'false', NEXT_TELEMETRY_DISABLED: '1' },
        quiet: true,
      },
    );
  }

  let databaseUrl = env['DATABASE_URL'] ?? '';
  if (useEmbedded) {
    step(
      `Starting the embedded PostgreSQL (PGlite, data in ${join(dataDir, 'pglite')}) on port ${ports.embeddedDb}…`,
    );
    database = await startEmbeddedPostgres({
      dataDir: join(dataDir, 'pglite'),
      port: ports.embeddedDb,
    });
    databaseUrl = database.url;
  } else {
    step('Using the PostgreSQL server in DATABASE_URL.');
  }

  step('Migrating the database…');
  const applied = await applyMigrations(databaseUrl);
  console.log(`  ${applied.length === 0 ? 'already up to date' : `applied ${applied.join(', ')}`}`);

  const secrets = env['TOKEN_ENCRYPTION_KEY']
    ? { tokenEncryptionKey: env['TOKEN_ENCRYPTION_KEY'], created: false }
    : await loadDevelopmentSecrets(dataDir);
  if (secrets.created)
    console.log(
      `  generated a development token-encryption key in ${join(dataDir, 'dev-secrets.json')}`,
    );

  const shared = {
    ...env,
    DATABASE_URL: databaseUrl,
    NODE_ENV: env['NODE_ENV'] ?? 'development',
    NEXT_TELEMETRY_DISABLED: '1',
  };
  step('Seeding the sandbox EHR and registering the app with it…');
  await run('node', ['apps/sandbox-ehr/dist/seed-cli.js'], {
    cwd: root,
    env: { ...shared, WEB_PUBLIC_URL: webUrl },
    quiet: true,
  });
  const prisma = createPrismaClient(databaseUrl, { maxConnections: 2 });
  try {
    await registerWithSandbox(prisma, {
      issuer: `${sandboxUrl}/fhir`,
      appPublicUrl: webUrl,
      clientId: 'bedside-web',
    });
    await registerSandboxWithCds(prisma, { sandboxUrl });
  } finally {
    await prisma.$disconnect();
  }

  step('Starting sandbox-ehr, bff and web…');
  const logs = join(dataDir, 'logs');
  const sandbox = startProcess('sandbox-ehr', 'node', ['apps/sandbox-ehr/dist/main.js'], {
    cwd: root,
    env: {
      ...shared,
      SANDBOX_PORT: String(ports.sandbox),
      SANDBOX_PUBLIC_URL: sandboxUrl,
      SANDBOX_DB_POOL_SIZE: useEmbedded ? '4' : '10',
      SANDBOX_CDS_SERVICES_URL: `${cdsUrl}/cds-services`,
    },
    logFile: join(logs, 'sandbox-ehr.log'),
  });
  const bff = startProcess('bff', 'node', ['apps/bff/dist/main.js'], {
    cwd: root,
    env: {
      ...shared,
      BFF_PORT: String(ports.bff),
      APP_PUBLIC_URL: webUrl,
      TOKEN_ENCRYPTION_KEY: secrets.tokenEncryptionKey,
      BFF_DB_POOL_SIZE: useEmbedded ? '4' : '10',
    },
    logFile: join(logs, 'bff.log'),
  });
  const web = startProcess(
    'web',
    join(root, 'node_modules/.bin/next'),
    ['start', '-p', String(ports.web), '-H', 'localhost'],
    {
      cwd: join(root, 'apps/web'),
      env: { ...shared, NODE_ENV: 'production', BFF_URL: `http://localhost:${ports.bff}` },
      logFile: join(logs, 'web.log'),
    },
  );
  const cds = startProcess('cds', 'node', ['apps/cds/dist/main.js'], {
    cwd: root,
    env: {
      ...shared,
      CDS_PORT: String(ports.cds),
      CDS_PUBLIC_URL: cdsUrl,
      CDS_APP_LAUNCH_URL: `${webUrl}/launch`,
      CDS_DB_POOL_SIZE: useEmbedded ? '4' : '10',
    },
    logFile: join(logs, 'cds.log'),
  });
  children.push(sandbox, bff, web, cds);

  await Promise.all([
    waitForHttp(`${sandboxUrl}/health`, {
      timeoutMs: 60_000,
      exited: sandbox.exited,
      name: 'sandbox-ehr',
    }),
    waitForHttp(`http://localhost:${ports.bff}/ready`, {
      timeoutMs: 60_000,
      exited: bff.exited,
      name: 'bff',
    }),
    waitForHttp(`${webUrl}/`, { timeoutMs: 60_000, exited: web.exited, name: 'web' }),
    waitForHttp(`${cdsUrl}/ready`, { timeoutMs: 60_000, exited: cds.exited, name: 'cds' }),
  ]);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`
\u2714 Bedside is running (ready in ${seconds} s).

  Sandbox EHR launcher   ${sandboxUrl}/          \u2190 pick a patient, click Launch
  App (needs a launch)   ${webUrl}/
  FHIR base (iss)        ${sandboxUrl}/fhir
  CDS services           ${cdsUrl}/cds-services   (sandbox charts with cards: ${sandboxUrl}/cds-client/)
  Logs                   ${logs}/

  Press Ctrl-C to stop.
BEDSIDE_READY ${JSON.stringify({ launcher: `${sandboxUrl}/`, app: `${webUrl}/`, fhir: `${sandboxUrl}/fhir`, bff: `http://localhost:${ports.bff}/`, cds: `${cdsUrl}/cds-services`, cdsClient: `${sandboxUrl}/cds-client/` })}`);

  const first = await Promise.race(
    children.map((child) => child.exited.then((code) => ({ child, code }))),
  );
  if (!stopping) {
    console.error(
      `\u2716 ${first.child.name} stopped unexpectedly (exit ${first.code}). Its log: ${first.child.logFile}`,
    );
    await shutdown(1);
  }
}

main().catch(async (error: unknown) => {
  console.error(`\u2716 ${error instanceof Error ? error.message : String(error)}`);
  for (const child of children) console.error(`  ${child.name} log: ${child.logFile}`);
  await shutdown(1);
});
