/**
 * `npm run bench -w @bedside/platform-e2e` (also part of the root `npm run bench`):
 *   1. the BFF FHIR proxy against calling the sandbox FHIR server directly, in the same run:
 *      throughput at concurrency 8 and latency at concurrency 1 (added p50 = proxy − direct);
 *   2. the app's first contentful paint inside the sandbox launcher's iframe (Chromium).
 * Goals (issue 7): added p50 ≤ 2 ms, proxy throughput ≥ 80 % of direct, FCP ≤ 1 s.
 * Runs on the real PostgreSQL (a throw-away database), never in `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { launchChromium } from '../test/browser.js';
import { directAccessToken, launchOverHttp } from '../test/http-launch.js';
import { startPlatform } from '../test/platform.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 8);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 8);

interface Run {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time per request of each measured process, µs. */
  cpuPerRequest: Record<string, number>;
}

/** The pid listening on `url`'s port (Linux, via ss), to read its CPU time from /proc. */
function listenerPid(url: string): number | undefined {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${new URL(url).port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** User + system CPU time of a process so far, µs (clock ticks are 10 ms on Linux). */
function cpuMicros(pid: number | 'self'): number {
  if (pid === 'self') {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  }
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

let measured: Record<string, number | 'self'> = {};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function load(
  call: () => Promise<Response>,
  workers: number,
  durationMs: number,
): Promise<Run> {
  const latencies: number[] = [];
  const cpuBefore = Object.fromEntries(
    Object.entries(measured).map(([name, pid]) => [name, cpuMicros(pid)]),
  );
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const response = await call();
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`unexpected ${response.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuPerRequest = Object.fromEntries(
    Object.entries(measured).map(([name, pid]) => [
      name,
      (cpuMicros(pid) - (cpuBefore[name] ?? 0)) / Math.max(1, latencies.length),
    ]),
  );
  latencies.sort((a, b) => a - b);
  return {
    cpuPerRequest,
    requests: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const fmt = (value: number, digits = 2) => value.toFixed(digits);

async function main(): Promise<void> {
  console.log('Starting the platform on a throw-away database…');
  const platform = await startPlatform({ LOG_LEVEL: 'warn' });
  try {
    const patientId = 'pat-amy-shaw';
    const session = await launchOverHttp(platform, patientId);
    const token = await directAccessToken(platform, patientId, 'launch patient/Patient.rs');
    const direct = () =>
      fetch(`${platform.fhirBaseUrl}/Patient/${patientId}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
      });
    const bffPid = listenerPid(platform.bffUrl);
    const sandboxPid = listenerPid(platform.fhirBaseUrl);
    measured = {
      'load client': 'self',
      ...(sandboxPid ? { sandbox: sandboxPid } : {}),
      ...(bffPid ? { bff: bffPid } : {}),
    };
    const proxied = () =>
      fetch(new URL(`/api/fhir/Patient/${patientId}`, platform.bffUrl), {
        headers: { 'x-bedside-session': session.handle, cookie: session.cookie },
      });

    // Warm up both paths (JIT, pools, caches), then alternate to spread machine noise evenly.
    await load(direct, concurrency, 1500);
    await load(proxied, concurrency, 1500);
    const rounds = {
      direct: [] as Run[],
      proxy: [] as Run[],
      directSerial: [] as Run[],
      proxySerial: [] as Run[],
    };
    for (let round = 0; round < 2; round += 1) {
      rounds.direct.push(await load(direct, concurrency, (seconds * 1000) / 2));
      rounds.proxy.push(await load(proxied, concurrency, (seconds * 1000) / 2));
      rounds.directSerial.push(await load(direct, 1, (seconds * 1000) / 4));
      rounds.proxySerial.push(await load(proxied, 1, (seconds * 1000) / 4));
    }
    const directRps = median(rounds.direct.map((run) => run.perSecond));
    const proxyRps = median(rounds.proxy.map((run) => run.perSecond));
    const directP50 = median(rounds.directSerial.map((run) => run.p50));
    const proxyP50 = median(rounds.proxySerial.map((run) => run.p50));
    console.log(
      `\nFHIR read Patient/${patientId} (each path ${rounds.direct.length} rounds, medians):`,
    );
    console.log(
      `  direct to sandbox   ${fmt(directRps, 0)} req/s at concurrency ${concurrency}; p50 ${fmt(directP50)} ms, p99 ${fmt(median(rounds.directSerial.map((run) => run.p99)))} ms at concurrency 1`,
    );
    console.log(
      `  through the BFF     ${fmt(proxyRps, 0)} req/s at concurrency ${concurrency}; p50 ${fmt(proxyP50)} ms, p99 ${fmt(median(rounds.proxySerial.map((run) => run.p99)))} ms at concurrency 1`,
    );
    const cpu = (runs: Run[]) =>
      Object.keys(measured)
        .map((name) => `${name} ${fmt(median(runs.map((run) => run.cpuPerRequest[name] ?? 0)), 0)}`)
        .join(', ');
    console.log(`  CPU µs per request   direct: ${cpu(rounds.direct)}`);
    console.log(`                       proxy:  ${cpu(rounds.proxy)}`);
    console.log(`  added p50 latency   ${fmt(proxyP50 - directP50)} ms   (goal ≤ 2 ms)`);
    console.log(
      `  proxy throughput    ${fmt((proxyRps / directRps) * 100, 0)} % of direct   (goal ≥ 80 %)`,
    );

    const browser = await launchChromium();
    try {
      const fcps: number[] = [];
      const visible: number[] = [];
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(platform.launcherUrl);
        await page.getByLabel('Open the chart of').selectOption(patientId);
        const clicked = performance.now();
        await page.getByRole('button', { name: 'Launch' }).click();
        await page
          .frameLocator('iframe[name="smart-app"]')
          .getByRole('heading', { name: 'Amy Shaw' })
          .waitFor();
        visible.push(performance.now() - clicked);
        const app = page.frames().find((frame) => frame.url().startsWith(platform.appUrl));
        const fcp = await app?.evaluate(
          () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
        );
        fcps.push(fcp ?? Number.NaN);
        await context.close();
      }
      console.log(`\nApp inside the launcher iframe (5 launches, medians):`);
      console.log(
        `  first contentful paint   ${fmt(median(fcps), 0)} ms after the app's navigation started (goal ≤ 1000 ms)`,
      );
      console.log(
        `  click Launch → patient   ${fmt(median(visible), 0)} ms (whole SMART launch: redirects, code exchange, FHIR read)`,
      );
    } finally {
      await browser.close();
    }
  } finally {
    await platform.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
