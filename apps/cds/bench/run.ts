/**
 * `npm run bench -w @bedside/cds`: patient-view latency at a fixed arrival rate (open loop,
 * 200 requests/s over loopback), with full prefetch and without prefetch (the service reads the
 * patient, observations, conditions, medications, procedures and HbA1c from the sandbox EHR's
 * FHIR server, in parallel, with a real sandbox system token in fhirAuthorization). Every
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

/** A demo patient with lipids, blood pressure and smoking status in the sandbox. */
const sandboxPatientId = 'pat-omar-haddad';

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

  // The sandbox EHR (its build), seeded with the demo cast and the CDS demo records.
  const sandboxPort = await freePort();
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const sandboxEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_PUBLIC_URL: sandboxUrl,
    SANDBOX_SEED_PATIENTS: '0',
    LOG_LEVEL: 'warn',
  };
  await new Promise<void>((done, reject) => {
    const seed = spawn('node', [join(root, 'apps/sandbox-ehr/dist/seed-cli.js')], {
      cwd: root,
      env: sandboxEnv,
      stdio: 'ignore',
    });
    seed.once('exit', (code) =>
      code === 0 ? done() : reject(new Error(`sandbox seed exited ${code}`)),
    );
  });
  const sandbox = spawn('node', [join(root, 'apps/sandbox-ehr/dist/main.js')], {
    cwd: root,
    env: sandboxEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(sandbox);
  for (let attempt = 0; ; attempt += 1) {
    const up = await fetch(`${sandboxUrl}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (attempt > 200) throw new Error('the sandbox did not start');
    await new Promise((done) => setTimeout(done, 100));
  }
  // A backend-service client of the sandbox: its system token goes in fhirAuthorization.
  const backend = await generateKeyPair('RS384', { extractable: true });
  const backendJwk = {
    ...(await exportJWK(backend.publicKey)),
    kid: 'bench-backend',
    alg: 'RS384',
  };
  const scope = ['Patient', 'Observation', 'Condition', 'MedicationRequest', 'Procedure']
    .map((type) => `system/${type}.rs`)
    .join(' ');
  const seedPrisma = createPrismaClient(database.url, { maxConnections: 1 });
  await seedPrisma.sandboxClient.create({
    data: {
      clientId: 'bench-cds',
      name: 'Bench CDS',
      clientType: 'backend-service',
      redirectUris: [],
      allowedScope: scope,
      jwks: { keys: [backendJwk] },
    },
  });
  await seedPrisma.$disconnect();
  const assertion = await new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'RS384', typ: 'JWT', kid: 'bench-backend' })
    .setIssuer('bench-cds')
    .setSubject('bench-cds')
    .setAudience(`${sandboxUrl}/auth/token`)
    .setExpirationTime('4m')
    .sign(backend.privateKey);
  const tokenResponse = await fetch(`${sandboxUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
  const tokenBody = (await tokenResponse.json()) as { access_token?: string; expires_in?: number };
  if (tokenBody.access_token === undefined) {
    throw new Error(`the sandbox gave no token: ${JSON.stringify(tokenBody)}`);
  }
  const fhirToken = tokenBody.access_token;
  const fhirServer = `${sandboxUrl}/fhir`;

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
      expires_in: tokenBody.expires_in ?? 300,
      scope,
      subject: 'bench-cds',
    },
    context: { userId: 'Practitioner/bench', patientId: sandboxPatientId },
  });

  const scenario = async (name: string, body: string | undefined) => {
    const total = rate * (seconds + warmupSeconds);
    const tokens = body === undefined ? [] : await Promise.all(Array.from({ length: total }, sign));
    const latencies: number[] = [];
    let errors = 0;
    const statuses = new Map<number | string, number>();
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
            if (response.status !== 200) {
              errors += 1;
              statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            } else if (i === total - 1) cardsSeen = answer.cards?.length ?? 0;
            if (i >= rate * warmupSeconds) latencies.push(performance.now() - sent);
          })
          .catch((error: unknown) => {
            errors += 1;
            const key =
              error instanceof Error
                ? ((error.cause as Error | undefined)?.message ?? error.message)
                : 'error';
            statuses.set(key, (statuses.get(key) ?? 0) + 1);
          }),
      );
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `${name.padEnd(34)} n=${latencies.length} rate=${(total / elapsed).toFixed(0)}/s p50=${p50.toFixed(1)} ms p95=${percentile(latencies, 95).toFixed(1)} ms p99=${p99.toFixed(1)} ms max=${(latencies.at(-1) ?? NaN).toFixed(1)} ms errors=${errors}${statuses.size > 0 ? ` ${JSON.stringify(Object.fromEntries(statuses))}` : ''} cards=${cardsSeen}`,
    );
    return { p50, p99, errors };
  };

  /** One request at a time: the latency floor, without queueing behind other requests. */
  const sequential = async (name: string, body: string, count = 200) => {
    const tokens = await Promise.all(Array.from({ length: count }, sign));
    const latencies: number[] = [];
    for (const token of tokens) {
      const sent = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      await response.arrayBuffer();
      if (response.status === 200) latencies.push(performance.now() - sent);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `${name.padEnd(34)} n=${latencies.length} p50=${percentile(latencies, 50).toFixed(1)} ms p99=${percentile(latencies, 99).toFixed(1)} ms`,
    );
  };

  console.log(
    `patient-view at ${rate} requests/s for ${seconds} s (after ${warmupSeconds} s warm-up), loopback, fresh RS384 JWT each:`,
  );
  // One call of each kind first: fills the JWKS cache and proves both answer 200.
  for (const body of [withPrefetch, withoutPrefetch]) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await sign()}` },
      body,
    });
    if (response.status !== 200)
      throw new Error(`warm-up call: ${response.status} ${await response.text()}`);
  }
  await scenario('baseline: GET /health (no JWT)', undefined);
  const full = await scenario('with full prefetch', withPrefetch);
  await scenario('without prefetch (sandbox FHIR)', withoutPrefetch);
  console.log('one request at a time (latency floor, no queueing):');
  await sequential('with full prefetch', withPrefetch);
  await sequential('without prefetch (sandbox FHIR)', withoutPrefetch);
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
