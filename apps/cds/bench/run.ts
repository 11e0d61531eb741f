/**
 * `npm run bench -w @bedside/cds`: patient-view latency at a fixed arrival rate (open loop,
 * 200 requests/s over loopback), with full prefetch and without prefetch (the service reads
 * five resources from a loopback FHIR server with the request's fhirAuthorization token). Every
 * request carries a fresh RS384 CDS Client JWT (signature, jti replay insert and audit row are
 * part of each call). The service runs from its build (`node apps/cds/dist/main.js`) in its own
 * process, on a fresh database of the real PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join, resolve } from 'node:path';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import { createPrismaClient } from '@bedside/db';
import { createTestDatabase } from '@bedside/db/testing';

import { benchPatientId, benchPrefetch } from './records.js';

const root = resolve(import.meta.dirname, '../../..');
const rate = Number(process.env['BENCH_RATE'] ?? 200);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const warmupSeconds = 2;
const issuer = 'https://bench-ehr.test/';

async function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((done, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        done(match);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const database = await createTestDatabase();
const children: ChildProcess[] = [];
const jwksServer = createServer();
try {
  const { privateKey, publicKey } = await generateKeyPair('RS384', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'RS384', use: 'sig' };
  jwksServer.on('request', (_request, response) => {
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((done) => jwksServer.listen(0, '127.0.0.1', done));
  const jwksAddress = jwksServer.address();
  const jwksUrl = `http://127.0.0.1:${typeof jwksAddress === 'object' && jwksAddress ? jwksAddress.port : 0}/jwks.json`;
  const prisma = createPrismaClient(database.url, { maxConnections: 1 });
  await prisma.cdsClient.create({ data: { issuer, displayName: 'Bench EHR', jwksUrl } });
  await prisma.$disconnect();

  const fhirToken = crypto.randomUUID();
  const fhir = spawn(
    join(root, 'node_modules/.bin/tsx'),
    [join(import.meta.dirname, 'fhir-server.ts')],
    {
      env: { ...process.env, BENCH_FHIR_TOKEN: fhirToken },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(fhir);
  const fhirPort = (await waitForLine(fhir, /FHIR_READY (\d+)/))[1];
  const fhirServer = `http://127.0.0.1:${fhirPort}/fhir`;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const cds = spawn('node', [join(root, 'apps/cds/dist/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: database.url,
      CDS_PORT: String(port),
      CDS_HOST: '127.0.0.1',
      CDS_PUBLIC_URL: base,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(cds);
  await waitForLine(cds, /cds ready/);

  const url = `${base}/cds-services/bedside-patient-view`;
  const sign = () =>
    new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'RS384', typ: 'JWT', kid: 'bench-1', jku: jwksUrl })
      .setIssuer(issuer)
      .setAudience(url)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);

  const withPrefetch = JSON.stringify({
    hook: 'patient-view',
    hookInstance: crypto.randomUUID(),
    context: { userId: 'Practitioner/bench', patientId: benchPatientId },
    prefetch: benchPrefetch,
  });
  const withoutPrefetch = JSON.stringify({
    hook: 'patient-view',
    hookInstance: crypto.randomUUID(),
    fhirServer,
    fhirAuthorization: {
      access_token: fhirToken,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'patient/*.read',
      subject: 'bedside-cds',
      patient: benchPatientId,
    },
    context: { userId: 'Practitioner/bench', patientId: benchPatientId },
  });

  const scenario = async (name: string, body: string | undefined) => {
    const total = rate * (seconds + warmupSeconds);
    const tokens = body === undefined ? [] : await Promise.all(Array.from({ length: total }, sign));
    const latencies: number[] = [];
    let errors = 0;
    let cardsSeen = 0;
    const interval = 1000 / rate;
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i += 1) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((done) => setTimeout(done, wait));
      const sent = performance.now();
      pending.push(
        (body === undefined
          ? fetch(`${base}/health`)
          : fetch(url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${tokens[i] ?? ''}`,
              },
              body,
            })
        )
          .then(async (response) => {
            const answer = (await response.json()) as { cards?: unknown[] };
            if (response.status !== 200) errors += 1;
            else if (i === total - 1) cardsSeen = answer.cards?.length ?? 0;
            if (i >= rate * warmupSeconds) latencies.push(performance.now() - sent);
          })
          .catch(() => {
            errors += 1;
          }),
      );
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `${name.padEnd(34)} n=${latencies.length} rate=${(total / elapsed).toFixed(0)}/s p50=${p50.toFixed(1)} ms p95=${percentile(latencies, 95).toFixed(1)} ms p99=${p99.toFixed(1)} ms max=${(latencies.at(-1) ?? NaN).toFixed(1)} ms errors=${errors} cards=${cardsSeen}`,
    );
    return { p50, p99, errors };
  };

  console.log(
    `patient-view at ${rate} requests/s for ${seconds} s (after ${warmupSeconds} s warm-up), loopback, fresh RS384 JWT each:`,
  );
  await scenario('baseline: GET /health (no JWT)', undefined);
  const full = await scenario('with full prefetch', withPrefetch);
  await scenario('without prefetch (5 FHIR reads)', withoutPrefetch);
  const met = full.p50 <= 20 && full.p99 <= 100 && full.errors === 0;
  console.log(
    `goal with prefetch: p50 ≤ 20 ms and p99 ≤ 100 ms → ${met ? 'met' : 'NOT met'} (p50 ${full.p50.toFixed(1)} ms, p99 ${full.p99.toFixed(1)} ms)`,
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  jwksServer.close();
  await new Promise((done) => setTimeout(done, 300));
  await database.drop();
}
