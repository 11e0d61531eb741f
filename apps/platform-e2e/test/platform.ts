import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { createTestDatabase, type TestDatabase } from '@bedside/db/testing';

const root = resolve(import.meta.dirname, '../../..');

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningPlatform {
  launcherUrl: string;
  appUrl: string;
  fhirBaseUrl: string;
  /** The BFF itself (the web app proxies /launch, /callback and /api to it). */
  bffUrl: string;
  /** The CDS service's discovery URL, and the sandbox's CDS client screens. */
  cdsUrl: string;
  cdsClientUrl: string;
  databaseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs the whole platform exactly as `npm start` does (the same script, already-built apps),
 * over a fresh database on the real PostgreSQL and on free ports.
 */
export async function startPlatform(
  extraEnv: Record<string, string> = {},
): Promise<RunningPlatform> {
  const database: TestDatabase = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'bedside-e2e-'));
  const [web, bff, sandbox, cds] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const child: ChildProcess = spawn(
    join(root, 'node_modules/.bin/tsx'),
    ['--conditions=@bedside/source', 'tools/src/start.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        WEB_PORT: String(web),
        BFF_PORT: String(bff),
        SANDBOX_PORT: String(sandbox),
        CDS_PORT: String(cds),
        BEDSIDE_DATA_DIR: dataDir,
        BEDSIDE_SKIP_BUILD: '1',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));

  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGINT');
      const timeout = new Promise((done) => setTimeout(done, 10_000).unref());
      if ((await Promise.race([exited, timeout])) === undefined && child.exitCode === null) {
        process.kill(-child.pid, 'SIGKILL');
      }
    }
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };

  const ready = await Promise.race([
    new Promise<Record<string, string>>((resolveReady) => {
      const check = () => {
        const line = /BEDSIDE_READY (\{.*\})/.exec(output);
        if (line?.[1]) resolveReady(JSON.parse(line[1]) as Record<string, string>);
        else setTimeout(check, 100);
      };
      check();
    }),
    exited.then((code) => {
      throw new Error(`npm start exited with ${code} before it was ready:\n${output}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`platform not ready after 150 s:\n${output}`)),
        150_000,
      ).unref(),
    ),
  ]).catch(async (error: unknown) => {
    await stop();
    throw error;
  });

  return {
    launcherUrl: ready['launcher'] ?? '',
    appUrl: ready['app'] ?? '',
    fhirBaseUrl: ready['fhir'] ?? '',
    bffUrl: ready['bff'] ?? '',
    cdsUrl: ready['cds'] ?? '',
    cdsClientUrl: ready['cdsClient'] ?? '',
    databaseUrl: database.url,
    output: () => output,
    stop,
  };
}
