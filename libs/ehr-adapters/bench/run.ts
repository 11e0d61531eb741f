/**
 * Overhead per FHIR call of the lifecycle manager and of FhirClient + adapter, each measured
 * against a baseline in the same run: a no-op fake fetch answering a small Patient.
 *   direct:    build the Request with the Bearer header yourself, fetch, parse JSON
 *   lifecycle: TokenLifecycle.fetchWithToken (freshness check, header, STATE-08 check), parse JSON
 *   client:    FhirClient.read through the lifecycle (adapter, error mapping, type check)
 * Run: npm run bench -w @bedside/ehr-adapters  (BENCH_ITERATIONS, BENCH_ROUNDS)
 */
import { InMemoryTokenStore, TokenLifecycle } from '@bedside/smart-auth';

import { FhirClient, adapterFor } from '../src/index.js';

const FHIR = 'https://ehr.example.org/fhir';
const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 50_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const NOW = Date.UTC(2026, 0, 15, 10);
const body = JSON.stringify({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Shaw' }] });

const fakeFetch = async (request: Request): Promise<Response> => {
  if (request.headers.get('authorization') === null) throw new Error('no token');
  return new Response(body, { headers: { 'Content-Type': 'application/fhir+json' } });
};

const lifecycle = new TokenLifecycle({
  store: new InMemoryTokenStore({
    accessToken: 'at-bench',
    refreshToken: 'rt-bench',
    receivedAt: NOW,
    expiresAt: NOW + 3_600_000,
    context: {},
  }),
  tokenEndpoint: 'https://ehr.example.org/token',
  client: { method: 'none', clientId: 'bench' },
  fetch: fakeFetch,
  now: () => NOW,
  fhirBaseUrl: FHIR,
});
const client = new FhirClient({
  fhirBaseUrl: FHIR,
  adapter: adapterFor('generic'),
  auth: lifecycle,
});

async function direct(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const response = await fakeFetch(
      new Request(`${FHIR}/Patient/p1`, {
        headers: { Accept: 'application/fhir+json', Authorization: 'Bearer at-bench' },
      }),
    );
    await response.json();
  }
}

async function managed(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const response = await lifecycle.fetchWithToken(
      new Request(`${FHIR}/Patient/p1`, { headers: { Accept: 'application/fhir+json' } }),
    );
    await response.json();
  }
}

async function viaClient(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await client.read('Patient', 'p1');
}

async function time(run: (n: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  await run(ITERATIONS);
  return ((performance.now() - start) * 1e6) / ITERATIONS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  await direct(10_000);
  await managed(10_000);
  await viaClient(10_000);
  const results = { direct: [] as number[], managed: [] as number[], client: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    results.direct.push(await time(direct));
    results.managed.push(await time(managed));
    results.client.push(await time(viaClient));
  }
  const d = median(results.direct);
  const m = median(results.managed);
  const c = median(results.client);
  const fmt = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
  console.log(
    `ehr-adapters bench — ${ROUNDS} rounds × ${ITERATIONS} calls, Node ${process.version}`,
  );
  console.log(`  direct fake fetch + JSON (caller adds Bearer): ${fmt(d)} per call (median)`);
  console.log(
    `  TokenLifecycle.fetchWithToken + JSON:          ${fmt(m)} per call → lifecycle overhead ${fmt(m - d)}`,
  );
  console.log(
    `  FhirClient.read (adapter, errors, checks):     ${fmt(c)} per call → client overhead ${fmt(c - m)} over the lifecycle, ${fmt(c - d)} in all`,
  );
}

await main();
