/**
 * `npm run soak`: many concurrent SMART sessions against the sandbox EHR with short-lived access
 * tokens, each calling FHIR through ehr-adapters' FhirClient and smart-auth's TokenLifecycle
 * (proactive refresh at 80%, single flight, rotation, 401 retry) for a fixed time. Prints the
 * calls made and the calls failed; exits 1 when any call failed. Not part of `npm test`.
 *
 *   npm run soak                          # 50 sessions, 10 s tokens, 10 minutes
 *   npm run soak -- --duration=60 --sessions=20
 *   SOAK_SANDBOX_URL=http://localhost:4000 npm run soak   # a sandbox you started yourself
 *                                          # (start it with SANDBOX_ACCESS_TOKEN_TTL_SECONDS=10)
 *   SOAK_PROFILE=epic npm run soak          # a vendor profile of the sandbox (issue 4)
 *
 * It needs refresh tokens from the sandbox (`offline_access`), which the authorization server
 * issues from issue 4 on; without them it stops after the first launch and says so.
 */
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

import {
  FhirClient,
  RateLimiter,
  createTokenEndpointFetch,
  discoverConnection,
} from '@bedside/ehr-adapters';
import {
  InMemoryTokenStore,
  TokenLifecycle,
  buildAuthorizationCodeRequest,
  buildAuthorizationUrl,
  computeCodeChallenge,
  generateCodeVerifier,
  generateNonce,
  generateState,
  parseAuthorizationCallback,
  processTokenResponse,
  tokenSetFromResponse,
} from '@bedside/smart-auth';
import { applyMigrations, startEmbeddedPostgres, type EmbeddedPostgres } from '@bedside/db';

import {
  run,
  startProcess,
  stopProcess,
  waitForHttp,
  type ManagedProcess,
} from './lib/processes.js';

const root = resolve(import.meta.dirname, '../..');
const env = process.env;

function option(name: string, fallback: number): number {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const raw = flag?.slice(name.length + 3) ?? env[`SOAK_${name.toUpperCase().replace(/-/g, '_')}`];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name}=${raw} is not a positive number.`);
    process.exit(2);
  }
  return value;
}

const settings = {
  sessions: option('sessions', 50),
  durationSeconds: option('duration', 600),
  tokenTtlSeconds: option('token-ttl', 10),
  /** Pause between one session's calls, in ms (a clinician clicking, not a load test). */
  thinkMs: option('think-ms', 250),
};
const appBaseUrl = 'http://soak.bedside.invalid';
const clientId = env['SOAK_CLIENT_ID'] ?? 'bedside-web';
const patientId = env['SOAK_PATIENT_ID'] ?? 'pat-amy-shaw';
/** A sandbox vendor profile (`epic`, `oracle`, …) where the sandbox has them; default generic. */
const profile = env['SOAK_PROFILE'];
const redirectUri = `${appBaseUrl}/callback`;

interface Counters {
  calls: number;
  failed: number;
  /** Code exchanges and refreshes. */
  tokenRequests: number;
  failures: Map<string, number>;
}

const counters: Counters = { calls: 0, failed: 0, tokenRequests: 0, failures: new Map() };

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

/** Starts a sandbox with short tokens over an embedded (or DATABASE_URL) database. */
async function startSandbox(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (env['BEDSIDE_SKIP_BUILD'] !== '1') {
    console.log('\u25b8 Building sandbox-ehr (cached after the first run)…');
    await run('npx', ['nx', 'run', 'sandbox-ehr:build', '--output-style=static'], {
      cwd: root,
      env: { ...env, NX_DAEMON: 'false' },
      quiet: true,
    });
  }
  let database: EmbeddedPostgres | undefined;
  let databaseUrl = env['DATABASE_URL'] ?? '';
  const dataDir = resolve(root, env['BEDSIDE_DATA_DIR'] ?? '.data', 'soak');
  if (!databaseUrl) {
    database = await startEmbeddedPostgres({
      dataDir: join(dataDir, 'pglite'),
      port: await freePort(),
    });
    databaseUrl = database.url;
  }
  await applyMigrations(databaseUrl);
  await run('node', ['apps/sandbox-ehr/dist/seed-cli.js'], {
    cwd: root,
    env: { ...env, DATABASE_URL: databaseUrl, WEB_PUBLIC_URL: appBaseUrl, WEB_CLIENT_ID: clientId },
    quiet: true,
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sandbox: ManagedProcess = startProcess(
    'sandbox-ehr',
    'node',
    ['apps/sandbox-ehr/dist/main.js'],
    {
      cwd: root,
      env: {
        ...env,
        DATABASE_URL: databaseUrl,
        SANDBOX_PORT: String(port),
        SANDBOX_HOST: '127.0.0.1',
        SANDBOX_PUBLIC_URL: url,
        SANDBOX_ACCESS_TOKEN_TTL_SECONDS: String(settings.tokenTtlSeconds),
        SANDBOX_DB_POOL_SIZE: database ? '4' : '20',
        LOG_LEVEL: 'warn',
      },
      logFile: join(dataDir, 'sandbox-ehr.log'),
    },
  );
  await waitForHttp(`${url}/health`, {
    timeoutMs: 60_000,
    exited: sandbox.exited,
    name: 'sandbox-ehr',
  });
  return {
    url,
    async stop() {
      await stopProcess(sandbox);
      await database?.stop().catch(() => undefined);
    },
  };
}

/**
 * Clicks Launch in the sandbox launcher and returns what the EHR hands the app: `iss` and
 * `launch` from the iframe URL (a vendor profile, when the sandbox has them, picks the `iss`).
 */
async function createLaunch(sandboxUrl: string): Promise<{ iss: string; launch: string }> {
  const form = new URLSearchParams({ patientId, clientId });
  if (profile) form.set('profile', profile);
  const response = await fetch(`${sandboxUrl}/launcher/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  if (response.status !== 303) throw new Error(`launcher answered ${response.status}`);
  const ehrPage = await fetch(new URL(response.headers.get('location') ?? '', sandboxUrl));
  const iframeSrc = /<iframe[^>]+src="([^"]+)"/.exec(await ehrPage.text())?.[1];
  const params = iframeSrc ? new URL(iframeSrc.replaceAll('&amp;', '&')).searchParams : undefined;
  const launch = params?.get('launch');
  const iss = params?.get('iss');
  if (!launch || !iss) throw new Error('no iss/launch parameters on the EHR page');
  return { iss, launch };
}

const countingFetch = async (request: Request): Promise<Response> => fetch(request);

/** One EHR launch → a FHIR client whose tokens renew themselves. */
async function launchSession(sandboxUrl: string, limiter: RateLimiter) {
  const { iss, launch } = await createLaunch(sandboxUrl);
  const { adapter, config } = await discoverConnection(iss, { fetch: countingFetch });
  const state = generateState();
  const codeVerifier = generateCodeVerifier();
  const url = buildAuthorizationUrl({
    authorizationEndpoint: config.authorization_endpoint ?? '',
    clientId,
    redirectUri,
    scope: adapter.toRequestedScopes(
      ['openid', 'fhirUser', 'offline_access', 'patient/Patient.rs', 'patient/Encounter.rs'],
      { launch: 'ehr', config },
    ),
    state,
    nonce: generateNonce(),
    aud: iss,
    launch,
    codeChallenge: await computeCodeChallenge(codeVerifier),
  });
  const redirect = await fetch(url, { redirect: 'manual' });
  const { code } = parseAuthorizationCallback(
    new URL(redirect.headers.get('location') ?? ''),
    state,
  );
  const client = { method: 'none', clientId } as const;
  const store = new InMemoryTokenStore();
  const tokenFetch = createTokenEndpointFetch(adapter, {
    tokenEndpoint: config.token_endpoint,
    fetch: async (request) => {
      if (request.url === config.token_endpoint) counters.tokenRequests++;
      return fetch(request);
    },
    grantedScope: async () => (await store.load())?.tokens.scope,
    rateLimiter: limiter,
    fhirBaseUrl: iss,
  });
  const token = await processTokenResponse(
    await tokenFetch(
      await buildAuthorizationCodeRequest({
        tokenEndpoint: config.token_endpoint,
        code,
        redirectUri,
        codeVerifier,
        client,
      }),
    ),
  );
  const context = adapter.normalizeLaunchContext({ tokenResponse: token, fhirBaseUrl: iss });
  const lifecycle = new TokenLifecycle({
    store,
    tokenEndpoint: config.token_endpoint,
    client,
    fetch: tokenFetch,
    fhirBaseUrl: iss,
    // One process, one clock: no skew to allow for. (The default 30 s exceeds a 10 s lifetime,
    // which would renew before every call.)
    clockSkewSeconds: 1,
  });
  await lifecycle.saveTokens(tokenSetFromResponse(token, Date.now()));
  const fhir = new FhirClient({
    fhirBaseUrl: iss,
    adapter,
    auth: lifecycle,
    rateLimiter: limiter,
    context: context.patient ? { patient: context.patient } : {},
  });
  return { fhir, context, iss, vendor: adapter.vendor, refreshToken: token.refresh_token };
}

async function runSession(
  session: Awaited<ReturnType<typeof launchSession>>,
  deadline: number,
): Promise<void> {
  const { fhir, context } = session;
  let turn = 0;
  while (Date.now() < deadline) {
    counters.calls++;
    try {
      if (turn++ % 2 === 0 || !context.encounter) await fhir.read('Patient', context.patient ?? '');
      else await fhir.read('Encounter', context.encounter);
    } catch (error) {
      counters.failed++;
      const key =
        (error as { code?: string }).code ?? (error instanceof Error ? error.name : 'error');
      counters.failures.set(key, (counters.failures.get(key) ?? 0) + 1);
    }
    await new Promise((done) => setTimeout(done, settings.thinkMs * (0.5 + Math.random())));
  }
}

function report(started: number, final: boolean): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const failures = [...counters.failures].map(([code, count]) => `${code}=${count}`).join(', ');
  console.log(
    `${final ? '\u2714 soak done' : '  …'} ${seconds} s: calls made ${counters.calls}, calls failed ${counters.failed}, token requests ${counters.tokenRequests}${failures ? ` (${failures})` : ''}`,
  );
}

async function main(): Promise<void> {
  console.log(
    `\u25b8 Soak: ${settings.sessions} sessions, access tokens living ${settings.tokenTtlSeconds} s, ${settings.durationSeconds} s.`,
  );
  const external = env['SOAK_SANDBOX_URL']?.replace(/\/$/, '');
  const sandbox = external ? { url: external, stop: async () => undefined } : await startSandbox();
  const stop = async (code: number) => {
    await sandbox.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(130));
  try {
    const limiter = new RateLimiter();
    const first = await launchSession(sandbox.url, limiter);
    if (!first.refreshToken) {
      console.error(
        `\u2716 The sandbox issued no refresh token for offline_access to the public client ${clientId}${profile ? ` (profile ${profile}: Epic and eCW give none to public clients)` : ''}, or its refresh grant (issue 4) is not in this build. Nothing to soak.`,
      );
      await stop(2);
    }
    const sessions = [first];
    for (let i = 1; i < settings.sessions; i++) {
      sessions.push(await launchSession(sandbox.url, limiter));
    }
    console.log(
      `  ${sessions.length} sessions launched against ${first.iss} (adapter: ${first.vendor}).`,
    );
    const started = Date.now();
    const deadline = started + settings.durationSeconds * 1000;
    const progress = setInterval(() => report(started, false), 30_000);
    await Promise.all(sessions.map((session) => runSession(session, deadline)));
    clearInterval(progress);
    report(started, true);
    await stop(counters.failed === 0 ? 0 : 1);
  } catch (error) {
    console.error(`\u2716 ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

await main();
