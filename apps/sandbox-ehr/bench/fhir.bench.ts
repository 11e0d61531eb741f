/**
 * The sandbox FHIR server under load, against the real PostgreSQL:
 *   - reads per second (Patient and Observation reads by id, 16 concurrent keep-alive clients),
 *   - p95 latency of `Observation?patient=X&category=vital-signs&_count=50` (one client),
 *   - system `$export` of every resource: resources per second from kick-off to the last byte
 *     of the last file, and the server's peak RSS (the server runs in its own process).
 * Goals: ≥ 2,000 reads/s, p95 ≤ 50 ms, export ≥ 20,000 resources/s with peak RSS < 300 MB.
 *
 * Run: npm run bench -w @bedside/sandbox-ehr
 *   BENCH_PATIENTS (default 1000; 10000 gives ≈1.1 M resources for the issue's figures),
 *   BENCH_SEED (default 42), BENCH_SECONDS (read phase, default 5),
 *   BENCH_DATABASE_SERVER_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
 * The generated database (bedside_bench_fhir_<patients>_<seed>) is kept: a re-run skips generation.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

import pg from 'pg';

import { applyMigrations, createPrismaClient } from '@bedside/db';

import { SigningKeyStore } from '../src/auth/signing-keys.js';
import { TokenService } from '../src/auth/tokens.js';
import { loadSandboxConfig } from '../src/config.js';
import { ResourceStore } from '../src/fhir/resource-store.js';
import { createFhirPool } from '../src/fhir/sql.js';
import { generateIntoStore } from '../src/seed/generator.js';
import { freePort } from '../test/harness.js';

const PATIENTS = Number(process.env['BENCH_PATIENTS'] ?? 1000);
const SEED = Number(process.env['BENCH_SEED'] ?? 42);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const SERVER_URL =
  process.env['BENCH_DATABASE_SERVER_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const dbName = `bedside_bench_fhir_${PATIENTS}_${SEED}`;
const databaseUrl = (() => {
  const url = new URL(SERVER_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
})();

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const verdict = (ok: boolean) => (ok ? 'goal met' : 'goal NOT met');

async function prepareDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  await applyMigrations(databaseUrl);
  const prisma = createPrismaClient(databaseUrl, { maxConnections: 2 });
  const pool = createFhirPool(databaseUrl, 3);
  const started = performance.now();
  const result = await generateIntoStore(new ResourceStore(prisma, pool), {
    patients: PATIENTS,
    seed: SEED,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.patients > 0) {
    console.log(
      `generated ${fmt(result.patients)} patients, ${fmt(result.resources)} resources in ${fmt(seconds, 1)} s (${fmt(result.resources / seconds)} resources/s)`,
    );
    await pool.query('ANALYZE');
  } else {
    console.log(
      `database ${dbName} already holds the ${fmt(PATIENTS)} patients (generation skipped)`,
    );
  }
  await pool.end();
  await prisma.$disconnect();
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function get(
  url: string,
  token: string,
  onData?: (chunk: Buffer) => void,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      url,
      { agent, headers: { authorization: `Bearer ${token}` } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => (onData ? onData(chunk) : chunks.push(chunk)));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

async function main(): Promise<void> {
  console.log(
    `sandbox-ehr FHIR bench: ${fmt(PATIENTS)} patients (seed ${SEED}), database ${dbName}`,
  );
  await prepareDatabase();

  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    SANDBOX_PORT: String(port),
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_PUBLIC_URL: `http://127.0.0.1:${port}`,
    SANDBOX_DB_POOL_SIZE: '10',
    LOG_LEVEL: 'warn',
  };
  // The server runs as built (node dist/main.js), like `npm start` runs it: no transpiler in its RSS.
  const root = join(import.meta.dirname, '../../..');
  const build = spawnSync('npx', ['nx', 'run', 'sandbox-ehr:build', '--output-style=static'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false' },
    stdio: 'ignore',
  });
  if (build.status !== 0) throw new Error('npx nx run sandbox-ehr:build failed');
  const server = spawn(process.execPath, [join(import.meta.dirname, '../dist/main.js')], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const pid = server.pid as number;
  try {
    const config = loadSandboxConfig(env);
    for (let i = 0; ; i++) {
      try {
        if ((await get(`${config.publicUrl}/health`, '')).status === 200) break;
      } catch {
        if (i > 200) throw new Error('the sandbox did not start');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const prisma = createPrismaClient(databaseUrl, { maxConnections: 2 });
    const tokens = new TokenService(config, new SigningKeyStore(prisma));
    const { accessToken: token } = await tokens.issueAccessToken({
      client_id: 'bench',
      scope: 'system/*.rs',
    });
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    const sample = await pool.query<{ t: string; id: string; p: string | null }>(
      `(SELECT "resourceType" AS t, id, "patientId" AS p FROM sandbox.fhir_resource WHERE "resourceType" = 'Patient' AND id LIKE 'syn-%' ORDER BY random() LIMIT 500)
       UNION ALL
       (SELECT "resourceType", id, "patientId" FROM sandbox.fhir_resource TABLESAMPLE SYSTEM (1) WHERE "resourceType" = 'Observation' LIMIT 1500)`,
    );
    const total = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sandbox.fhir_resource',
    );
    await pool.end();
    await prisma.$disconnect();
    const targets = sample.rows.map((row) => `${config.fhirBaseUrl}/${row.t}/${row.id}`);
    const patients = sample.rows.filter((row) => row.t === 'Patient').map((row) => row.id);
    console.log(`database: ${fmt(total.rows[0]?.n ?? 0)} resources`);

    // Warm-up.
    for (let i = 0; i < 200; i++) await get(targets[i % targets.length] as string, token);

    // Reads per second.
    const cpuBefore = process.cpuUsage();
    const serverCpuBefore = cpuSecondsOf(pid);
    let reads = 0;
    let failures = 0;
    const deadline = performance.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        let i = worker;
        while (performance.now() < deadline) {
          const response = await get(targets[i % targets.length] as string, token);
          if (response.status === 200) reads += 1;
          else failures += 1;
          i += 16;
        }
      }),
    );
    const readSeconds = (performance.now() - started) / 1000;
    const clientCpu = process.cpuUsage(cpuBefore);
    const readsPerSecond = reads / readSeconds;
    const serverCpu = cpuSecondsOf(pid) - serverCpuBefore;
    console.log(
      `reads: ${fmt(readsPerSecond)} reads/s (${fmt(reads)} in ${fmt(readSeconds, 1)} s, ${failures} failures, load client CPU ${fmt((clientCpu.user + clientCpu.system) / 1e6, 1)} s, server CPU ${fmt(serverCpu, 1)} s = ${fmt(reads / Math.max(serverCpu, 0.01))} reads per server CPU second; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}) — goal ≥ 2,000: ${verdict(readsPerSecond >= 2000)}`,
    );

    // Search latency.
    const latencies: number[] = [];
    let matches = 0;
    for (let i = 0; i < Math.max(300, SECONDS * 60); i++) {
      const patient = patients[i % patients.length] as string;
      const t0 = performance.now();
      const response = await get(
        `${config.fhirBaseUrl}/Observation?patient=${patient}&category=vital-signs&_count=50`,
        token,
      );
      latencies.push(performance.now() - t0);
      if (response.status !== 200) throw new Error(`search answered ${response.status}`);
      matches += (JSON.parse(response.body) as { entry: unknown[] }).entry.length;
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] as number;
    console.log(
      `search Observation?patient=X&category=vital-signs&_count=50: p50 ${fmt(pct(0.5), 1)} ms, p95 ${fmt(pct(0.95), 1)} ms, p99 ${fmt(pct(0.99), 1)} ms (${latencies.length} searches, ${fmt(matches / latencies.length, 1)} entries each) — goal p95 ≤ 50 ms: ${verdict(pct(0.95) <= 50)}`,
    );

    // Export.
    const before = rssOf(pid);
    let peakRss = before.rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssOf(pid).rss);
    }, 20);
    const exportStarted = performance.now();
    const kick = await get(`${config.fhirBaseUrl}/$export`, token);
    if (kick.status !== 202) throw new Error(`kick-off answered ${kick.status}: ${kick.body}`);
    const statusUrl = kick.headers['content-location'] as string;
    let manifest: { output: { type: string; url: string; count: number }[] } | undefined;
    while (!manifest) {
      const poll = await get(statusUrl, token);
      if (poll.status === 200) manifest = JSON.parse(poll.body) as typeof manifest;
      else if (poll.status === 202) await new Promise((resolve) => setTimeout(resolve, 100));
      else throw new Error(`status answered ${poll.status}`);
    }
    const manifestSeconds = (performance.now() - exportStarted) / 1000;
    let lines = 0;
    let bytes = 0;
    for (const file of manifest.output) {
      let fileLines = 0;
      await get(file.url, token, (chunk) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) fileLines += 1;
      });
      if (fileLines !== file.count) {
        throw new Error(`${file.type}: ${fileLines} lines, manifest says ${file.count}`);
      }
      lines += fileLines;
    }
    const exportSeconds = (performance.now() - exportStarted) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, rssOf(pid).rss);
    const perSecond = lines / exportSeconds;
    const mb = (n: number) => fmt(n / 1024 / 1024);
    console.log(
      `export: ${fmt(lines)} resources (${mb(bytes)} MB NDJSON, ${manifest.output.length} files) in ${fmt(exportSeconds, 1)} s (manifest after ${fmt(manifestSeconds, 1)} s) = ${fmt(perSecond)} resources/s — goal ≥ 20,000: ${verdict(perSecond >= 20000)}`,
    );
    console.log(
      `server RSS: ${mb(before.rss)} MB before the export, peak ${mb(peakRss)} MB during it (process high-water mark ${mb(rssOf(pid).hwm)} MB) — goal < 300 MB: ${verdict(peakRss < 300 * 1024 * 1024)}${lines < 1_000_000 ? ` (export of ${fmt(lines)} resources; BENCH_PATIENTS=10000 exports ≥ 1,000,000)` : ''}`,
    );
  } finally {
    agent.destroy();
    server.kill('SIGTERM');
  }
}

await main();
