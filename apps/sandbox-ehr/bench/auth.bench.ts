/**
 * `npm run bench` (root) → this file: client_credentials grants per second with RS384
 * `private_key_jwt` assertions over loopback HTTP, and the latency p50/p99 of one grant.
 * Goal (issue 4): ≥ 500 grants/s and p99 < 50 ms on the project's 2-core machine.
 *
 * The sandbox runs in its own process (`src/main.ts`) on a throw-away database of the real
 * PostgreSQL; every grant verifies an RS384 signature, stores its `jti` (replay check) and signs
 * an RS256 access token. Assertions are signed before the clock starts (each has its own jti):
 * the figure is the server's, not the load generator's signing speed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import { createPrismaClient } from '@bedside/db';
import { createTestDatabase } from '@bedside/db/testing';

import { freePort } from '../test/harness.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 8);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const warmupSeconds = 2;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const database = await createTestDatabase();
const port = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
const prisma = createPrismaClient(database.url, { maxConnections: 2 });

const { privateKey, publicKey } = await generateKeyPair('RS384');
const kid = 'bench-key';
await prisma.sandboxClient.create({
  data: {
    clientId: 'bench-backend',
    name: 'Bench backend service',
    clientType: 'backend-service',
    redirectUris: [],
    allowedScope: 'system/Patient.rs',
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS384' }] },
  },
});

const server = spawn(
  'tsx',
  [
    ...(process.env['BENCH_PROFILE']
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`]
      : []),
    '--conditions=@bedside/source',
    join(import.meta.dirname, '../src/main.ts'),
  ],
  {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      SANDBOX_PORT: String(port),
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_PUBLIC_URL: baseUrl,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);

async function waitForHealth(): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('sandbox did not start');
}

const tokenUrl = `${baseUrl}/auth/token`;
async function signAssertions(count: number): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    out.push(
      await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'RS384', typ: 'JWT', kid })
        .setIssuer('bench-backend')
        .setSubject('bench-backend')
        .setAudience(tokenUrl)
        .setExpirationTime(now + 280)
        .sign(privateKey),
    );
  }
  return out;
}

async function grant(assertion: string): Promise<void> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) {
    throw new Error(`grant failed: ${response.status} ${JSON.stringify(body)}`);
  }
}

/** The pid listening on the sandbox's port (Linux, via ss). */
function listenerPid(): number | undefined {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** User + system CPU time of the sandbox process, µs (10 ms clock ticks). */
function serverCpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

let serverPid: number | undefined;

async function run(assertions: string[], workers: number, durationMs: number) {
  const cpuBefore = serverCpuMicros(serverPid);
  const latencies: number[] = [];
  let next = 0;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline && next < assertions.length) {
        const assertion = assertions[next++] as string;
        const t0 = performance.now();
        await grant(assertion);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    grants: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    exhausted: next >= assertions.length,
    serverCpuPerGrantMs: (serverCpuMicros(serverPid) - cpuBefore) / 1000 / latencies.length,
  };
}

try {
  await waitForHealth();
  serverPid = listenerPid();
  // Enough assertions for 1,500 grants/s over the whole run; signing happens before timing.
  const assertions = await signAssertions(Math.ceil((seconds + warmupSeconds) * 1500));
  await run(
    assertions.splice(0, Math.ceil(warmupSeconds * 1500)),
    concurrency,
    warmupSeconds * 1000,
  );
  const loaded = await run(assertions, concurrency, seconds * 1000);
  const single = await run(await signAssertions(400), 1, 2000);
  const fmt = (n: number) => n.toFixed(1);
  console.log(
    `client_credentials (RS384 private_key_jwt, loopback HTTP, concurrency ${concurrency}, ${seconds} s): ` +
      `${fmt(loaded.perSecond)} grants/s, p50 ${fmt(loaded.p50)} ms, p99 ${fmt(loaded.p99)} ms` +
      (loaded.exhausted ? ' (ran out of pre-signed assertions: raise the count)' : ''),
  );
  console.log(
    `sandbox CPU per grant: ${loaded.serverCpuPerGrantMs.toFixed(2)} ms ` +
      `(≈ ${fmt(1000 / loaded.serverCpuPerGrantMs)} grants/s per fully available core); ` +
      `machine load average during the run: ${loadavg()[0]?.toFixed(1)} on 2 cores`,
  );
  console.log(
    `one grant at a time (concurrency 1): p50 ${fmt(single.p50)} ms, p99 ${fmt(single.p99)} ms`,
  );
  const met = loaded.perSecond >= 500 && loaded.p99 < 50;
  console.log(`goal ≥ 500 grants/s and p99 < 50 ms: ${met ? 'met' : 'NOT met'}`);
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await prisma.$disconnect();
  await database.drop();
}
