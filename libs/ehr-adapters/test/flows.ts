import {
  BackendServicesClient,
  InMemoryTokenStore,
  TokenLifecycle,
  buildAuthorizationCodeRequest,
  buildAuthorizationRequest,
  buildJwks,
  computeCodeChallenge,
  generateCodeVerifier,
  generateNonce,
  generateSigningKey,
  generateState,
  parseAuthorizationCallback,
  processTokenResponse,
  tokenSetFromResponse,
  verifyIdToken,
} from '@bedside/smart-auth';
import { createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';

import type { ClientAuthentication, IdTokenClaims, TokenResponse } from '@bedside/smart-auth';

import { FhirClient, createTokenEndpointFetch, discoverConnection } from '../src/index.js';
import { createFakeEhr } from '../src/testing/index.js';

import type { DiscoveredConnection, LaunchContext, RateLimiter, Vendor } from '../src/index.js';
import type { FakeEhr, FakeEhrOptions } from '../src/testing/index.js';

export const CLIENT_ID = 'bedside-app';
export const REDIRECT_URI = 'https://app.bedside.example/callback';
export const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

export function createClock(start = T0) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
    /** A sleep that moves the clock instead of waiting. */
    sleep: async (ms: number) => {
      current += ms;
    },
  };
}
export type Clock = ReturnType<typeof createClock>;

const signerCache: { key?: Promise<FakeEhrOptions['signingKey']> } = {};
const clientKeyCache: { key?: ReturnType<typeof generateSigningKey> } = {};

export function ehrSigningKey(): Promise<FakeEhrOptions['signingKey']> {
  signerCache.key ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'ehr-1', alg: 'RS256', use: 'sig' };
    return { privateKey, publicJwk, kid: 'ehr-1' };
  })();
  return signerCache.key;
}

export function clientSigningKey() {
  clientKeyCache.key ??= generateSigningKey('RS384');
  return clientKeyCache.key;
}

export interface Harness {
  vendor: Vendor;
  clock: Clock;
  fake: FakeEhr;
  client: ClientAuthentication;
}

export async function createHarness(
  vendor: Vendor,
  options: Partial<FakeEhrOptions> & { publicClient?: boolean } = {},
): Promise<Harness> {
  const clock = createClock();
  const key = await clientSigningKey();
  const { publicClient, ...fakeOptions } = options;
  const fake = createFakeEhr({
    vendor,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    now: clock.now,
    signingKey: await ehrSigningKey(),
    clientJwks: buildJwks([key]),
    ...fakeOptions,
  });
  const client: ClientAuthentication = publicClient
    ? { method: 'none', clientId: CLIENT_ID }
    : {
        method: 'private_key_jwt',
        clientId: CLIENT_ID,
        privateKey: key.privateKey,
        kid: key.kid,
        alg: 'RS384',
      };
  return { vendor, clock, fake, client };
}

export const APP_SCOPES = [
  'openid',
  'fhirUser',
  'offline_access',
  'patient/Patient.rs',
  'patient/Encounter.rs',
  'patient/Observation.rs',
];

export interface LaunchOutcome {
  connection: DiscoveredConnection;
  requestedScope: string;
  authorizeRequest: ReturnType<typeof buildAuthorizationRequest>;
  tokenResponse: TokenResponse;
  claims: IdTokenClaims | undefined;
  context: LaunchContext;
  store: InMemoryTokenStore;
  lifecycle: TokenLifecycle;
  fhir: FhirClient;
}

/**
 * A whole SMART launch against a fake EHR, the way an app server does it with smart-auth and this
 * library: discover + detect, build the authorize request, let the "browser" visit it, check the
 * callback, exchange the code through the vendor token fetch, verify the id_token, normalise the
 * launch context, and set up the lifecycle manager and FHIR client.
 */
export async function runLaunch(
  harness: Harness,
  kind: 'ehr' | 'standalone',
  options: {
    scopes?: string[];
    user?: 'practitioner' | 'patient';
    clientIdHeader?: boolean;
    rateLimiter?: RateLimiter;
  } = {},
): Promise<LaunchOutcome> {
  const { fake, clock } = harness;
  const iss = fake.profile.fhirBaseUrl;
  const launch = kind === 'ehr' ? fake.launch() : undefined;
  const connection = await discoverConnection(iss, {
    fetch: fake.fetch,
    ...(options.clientIdHeader ? { clientId: CLIENT_ID } : {}),
  });
  const { adapter, config } = connection;
  const requestedScope = adapter.toRequestedScopes(options.scopes ?? APP_SCOPES, {
    launch: kind,
    config,
  });
  const state = generateState();
  const nonce = generateNonce();
  const codeVerifier = generateCodeVerifier();
  const authorizeRequest = buildAuthorizationRequest(
    {
      authorizationEndpoint: config.authorization_endpoint ?? '',
      clientId: CLIENT_ID,
      redirectUri: REDIRECT_URI,
      scope: requestedScope,
      state,
      nonce,
      aud: iss, // row 9: aud = iss exactly as received
      codeChallenge: await computeCodeChallenge(codeVerifier),
      ...(launch ? { launch } : {}),
    },
    // Row 11: POST only for EHR launches (Epic does not take it standalone).
    { server: { authorizePost: kind === 'ehr' && adapter.capabilities(config).authorizePost } },
  );
  const visited =
    authorizeRequest.method === 'GET'
      ? authorizeRequest.url
      : new URLSearchParams(authorizeRequest.fields);
  const redirect = fake.authorize(visited, options.user ? { user: options.user } : {});
  const { code } = parseAuthorizationCallback(redirect, state);

  const store = new InMemoryTokenStore();
  const tokenFetch = createTokenEndpointFetch(adapter, {
    tokenEndpoint: config.token_endpoint,
    fetch: fake.fetch,
    grantedScope: async () => (await store.load())?.tokens.scope,
    now: clock.now,
    sleep: clock.sleep,
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter, fhirBaseUrl: iss } : {}),
  });
  const tokenResponse = await processTokenResponse(
    await tokenFetch(
      await buildAuthorizationCodeRequest({
        tokenEndpoint: config.token_endpoint,
        code,
        redirectUri: REDIRECT_URI,
        codeVerifier,
        client: harness.client,
        now: clock.now,
      }),
    ),
  );
  let claims: IdTokenClaims | undefined;
  if (tokenResponse.id_token) {
    const jwksResponse = await fake.fetch(new Request(config.jwks_uri ?? ''));
    claims = await verifyIdToken(tokenResponse.id_token, {
      issuer: config.issuer ?? '',
      clientId: CLIENT_ID,
      nonce,
      jwks: createLocalJWKSet(await jwksResponse.json()),
      now: clock.now,
    });
  }
  const context = adapter.normalizeLaunchContext({
    tokenResponse,
    ...(claims ? { idTokenClaims: claims } : {}),
    fhirBaseUrl: iss,
  });
  const lifecycle = new TokenLifecycle({
    store,
    tokenEndpoint: config.token_endpoint,
    client: harness.client,
    fetch: tokenFetch,
    now: clock.now,
    fhirBaseUrl: iss,
  });
  await lifecycle.saveTokens(tokenSetFromResponse(tokenResponse, clock.now()));
  const fhir = new FhirClient({
    fhirBaseUrl: iss,
    adapter,
    auth: lifecycle,
    context: {
      ...(context.patient ? { patient: context.patient } : {}),
      ...(context.tenant ? { tenant: context.tenant } : {}),
    },
    now: clock.now,
    sleep: clock.sleep,
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
  });
  return {
    connection,
    requestedScope,
    authorizeRequest,
    tokenResponse,
    claims,
    context,
    store,
    lifecycle,
    fhir,
  };
}

/** Backend Services against a fake EHR: system token + FHIR client. */
export async function runBackendServices(harness: Harness, scopes: string[]) {
  const { fake, clock } = harness;
  const iss = fake.profile.fhirBaseUrl;
  const connection = await discoverConnection(iss, { fetch: fake.fetch });
  const { adapter, config } = connection;
  const scope = adapter.toRequestedScopes(scopes, { launch: 'backend', config });
  if (harness.client.method === 'none') throw new Error('backend needs a confidential client');
  const backend = new BackendServicesClient({
    tokenEndpoint: config.token_endpoint,
    client: harness.client,
    scope,
    fetch: createTokenEndpointFetch(adapter, {
      tokenEndpoint: config.token_endpoint,
      fetch: fake.fetch,
      now: clock.now,
      sleep: clock.sleep,
    }),
    now: clock.now,
  });
  const fhir = new FhirClient({
    fhirBaseUrl: iss,
    adapter,
    auth: backend,
    context: adapter.vendor === 'athena' ? { tenant: 'a-1.Practice-195900' } : {},
    now: clock.now,
    sleep: clock.sleep,
  });
  return { connection, scope, backend, fhir };
}
