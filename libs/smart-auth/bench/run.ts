/**
 * Overhead of TokenLifecycle.fetchWithToken per FHIR call, measured against calling the same
 * no-op fake fetch directly with a request that already carries the Authorization header.
 * Both sides build their Request the same way; the difference is what the lifecycle adds
 * (freshness check, header copy, new Request). Run: npm run bench -w @bedside/smart-auth
 */
import { InMemoryTokenStore, TokenLifecycle } from '../src/index.js';

const FHIR = 'https://ehr.example.org/fhir';
const URL_ = `${FHIR}/Patient/123`;
const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 100_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const NOW = Date.UTC(2025, 0, 15, 10);

const ok = new Response(null, { status: 200 });
let calls = 0;
const noopFetch = async (request: Request): Promise<Response> => {
  if (request.headers.get('authorization') === null) throw new Error('no token');
  calls++;
  return ok;
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
  fetch: noopFetch,
  now: () => NOW,
  fhirBaseUrl: FHIR,
});

async function direct(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await noopFetch(
      new Request(URL_, {
        headers: { Accept: 'application/fhir+json', Authorization: 'Bearer at-bench' },
      }),
    );
  }
}

async function managed(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await lifecycle.fetchWithToken(
      new Request(URL_, { headers: { Accept: 'application/fhir+json' } }),
    );
  }
}

async function time(run: (n: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  await run(ITERATIONS);
  return ((performance.now() - start) * 1e6) / ITERATIONS; // ns per call
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  await direct(20_000);
  await managed(20_000);
  const directNs: number[] = [];
  const managedNs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    directNs.push(await time(direct));
    managedNs.push(await time(managed));
  }
  const d = median(directNs);
  const m = median(managedNs);
  const fmt = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
  console.log(`smart-auth bench — ${ROUNDS} rounds × ${ITERATIONS} calls, Node ${process.version}`);
  console.log(`  direct fake fetch (caller adds Bearer): ${fmt(d)} per call (median)`);
  console.log(`  TokenLifecycle.fetchWithToken:          ${fmt(m)} per call (median)`);
  console.log(
    `  overhead per FHIR call:                 ${fmt(m - d)} (${((m / d - 1) * 100).toFixed(0)}%)`,
  );
  if (calls !== 2 * (20_000 + ROUNDS * ITERATIONS))
    throw new Error(`unexpected call count ${calls}`);
}

await main();
