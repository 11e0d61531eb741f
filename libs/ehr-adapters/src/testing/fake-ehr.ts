import { SignJWT, createLocalJWKSet, jwtVerify } from 'jose';

import type { CryptoKey, JWK } from 'jose';

import { UnexpectedRequestError } from '@bedside/smart-auth/testing';

import { vendorProfiles } from './vendor-profiles.js';

import type { Resource } from '@bedside/fhir-model';
import type { FetchLike } from '@bedside/smart-auth';

import type { Vendor } from '../types.js';
import type { VendorProfile } from './vendor-profiles.js';

/** The fixed records every fake EHR serves (same ids for every vendor). */
export const FAKE_EHR_DATA = {
  patientId: 'pat-amy',
  encounterId: 'enc-1',
  practitionerId: 'prac-smith',
  /** Epic: restricted (Break-the-Glass, row 41). */
  restrictedPatientId: 'pat-vip',
  /** Oracle: answers 500 + OperationOutcome (row 43). */
  brokenObservationId: 'obs-broken',
  /** athena practice (row 7). */
  athenaPractice: 'a-1.Practice-195900',
  observationCount: 23,
} as const;

export interface FakeEhrOptions {
  vendor: Vendor;
  clientId: string;
  redirectUri: string;
  /** Clock in ms shared with the code under test. */
  now: () => number;
  /** RS256 key the fake signs id_tokens (and athena's JWT access tokens) with. */
  signingKey: { privateKey: CryptoKey; publicJwk: JWK; kid: string };
  /** Public keys of confidential / backend clients (`private_key_jwt`). */
  clientJwks?: { keys: JWK[] };
  /** Overrides the vendor's access-token lifetime. */
  accessTokenTtlSeconds?: number;
  /** The app's registered scope syntax (row 15). Default v1 for Epic and eCW, else v2. */
  scopeDialect?: 'v1' | 'v2';
  /** Row 18: `deny` fails the authorization, `drop` removes `offline_access`. Default allow. */
  offlinePolicy?: 'allow' | 'deny' | 'drop';
  /** Row 2 (Epic): discovery without `Epic-Client-ID` returns other endpoints. */
  requireEpicClientIdHeader?: boolean;
  /** Row 39 (Epic): paging sessions expire this long after the search; default 60 s. */
  pagingSessionTtlMs?: number;
  /** Row 36 (Epic): add a 4119 "more data may exist" warning to searchsets. */
  partialData?: boolean;
  /** Row 46: requests per minute per base (eCW 250); default: none except eCW. */
  rateLimitPerMinute?: number;
  /** Row 46: answer the next N FHIR calls with 429 (+ `Retry-After` when given). */
  throttleNext?: { count: number; retryAfterSeconds?: number };
}

export interface FakeEhrStats {
  /** `METHOD url` of every request, in order. */
  requests: string[];
  tokenRequests: number;
  refreshes: number;
  refreshForms: Record<string, string>[];
  fhirRequests: number;
  /** 429 answers sent. */
  throttled: number;
}

export interface FakeEhr {
  profile: VendorProfile;
  fetch: FetchLike;
  stats: FakeEhrStats;
  /** The EHR opens the app: a `launch` value for the current patient and encounter. */
  launch(options?: { patientId?: string }): string;
  /**
   * The browser visits the authorize URL (GET query or POST form fields) and the user signs in as
   * `user`; returns the redirect back to the app (`code` or `error`, and `state`).
   * @throws {UnexpectedRequestError} for requests that must not redirect (unknown client,
   *   unregistered redirect_uri) or that the vendor answers with an HTML error page.
   */
  authorize(params: URL | URLSearchParams, options?: { user?: 'practitioner' | 'patient' }): URL;
  /** Key set of the id_token signer (what `jwks_uri` serves). */
  jwks(): { keys: JWK[] };
  /** The id_token key set as a jose key resolver (for `verifyIdToken`). */
  keySet(): ReturnType<typeof createLocalJWKSet>;
}

interface Grant {
  clientId: string;
  scope: string;
  patient?: string;
  encounter?: string;
  user: { type: 'Practitioner' | 'Patient'; id: string };
  nonce?: string;
  launchKind: 'ehr' | 'standalone';
}

interface CodeRecord extends Grant {
  redirectUri: string;
  challenge: string;
  expiresAt: number;
  used: boolean;
}

interface AccessRecord {
  expiresAt: number;
  clientId: string;
}

interface RefreshRecord {
  grant: Grant;
  used: boolean;
  lastRefreshAt?: number;
}

interface PagingSession {
  items: Resource[];
  createdAt: number;
  pageSizes: number[];
}

const EPIC_OUTCOME_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.657369';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * A fake EHR of one vendor that behaves as ehr-quirks.md documents it, reachable only through
 * its `fetch` (and `authorize` for the browser leg). It is strict: a request to an unknown URL,
 * with a missing or wrong header, a bad form or an invalid token throws
 * {@link UnexpectedRequestError} or answers the vendor's documented error, so any request the
 * code under test should not have made fails the test.
 */
export function createFakeEhr(options: FakeEhrOptions): FakeEhr {
  const profile = vendorProfiles[options.vendor];
  const vendor = options.vendor;
  const now = options.now;
  const base = profile.fhirBaseUrl;
  const stats: FakeEhrStats = {
    requests: [],
    tokenRequests: 0,
    refreshes: 0,
    refreshForms: [],
    fhirRequests: 0,
    throttled: 0,
  };
  const launches = new Map<string, { patientId: string; encounterId: string }>();
  const codes = new Map<string, CodeRecord>();
  const accessTokens = new Map<string, AccessRecord>();
  const refreshTokens = new Map<string, RefreshRecord>();
  const pagingSessions = new Map<string, PagingSession>();
  const seenJti = new Set<string>();
  const observations = buildObservations(FAKE_EHR_DATA.observationCount);
  const records = new Map<string, Resource>([
    [`Patient/${FAKE_EHR_DATA.patientId}`, patientResource(FAKE_EHR_DATA.patientId)],
    [
      `Encounter/${FAKE_EHR_DATA.encounterId}`,
      {
        resourceType: 'Encounter',
        id: FAKE_EHR_DATA.encounterId,
        status: 'in-progress',
        subject: { reference: `Patient/${FAKE_EHR_DATA.patientId}` },
        meta: { versionId: '1' },
      },
    ],
    [
      `Practitioner/${FAKE_EHR_DATA.practitionerId}`,
      {
        resourceType: 'Practitioner',
        id: FAKE_EHR_DATA.practitionerId,
        name: [{ family: 'Smith', given: ['Jo'] }],
      },
    ],
    ...observations.map((obs) => [`Observation/${obs.id}`, obs] as [string, Resource]),
  ]);
  const dialect = options.scopeDialect ?? (vendor === 'epic' || vendor === 'ecw' ? 'v1' : 'v2');
  const ttl = options.accessTokenTtlSeconds ?? profile.accessTokenTtlSeconds;
  const rateLimit = options.rateLimitPerMinute ?? (vendor === 'ecw' ? 250 : undefined);
  const minuteCounts = new Map<number, number>();
  let throttle = options.throttleNext ? { ...options.throttleNext } : undefined;
  let counter = 0;
  const nextId = (prefix: string) =>
    `${prefix}-${(++counter).toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

  const fail = (message: string): never => {
    throw new UnexpectedRequestError(`${vendor} fake EHR: ${message}`);
  };

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    stats.requests.push(`${request.method} ${request.url}`);
    const counted = request.url === profile.tokenUrl || request.url.startsWith(`${base}/`);
    if (
      rateLimit !== undefined &&
      counted &&
      !request.url.includes('/.well-known/') &&
      !request.url.endsWith('/metadata')
    ) {
      const minute = Math.floor(now() / 60_000);
      const count = (minuteCounts.get(minute) ?? 0) + 1;
      minuteCounts.set(minute, count);
      // Row 46 (eCW): FHIR and /token calls per base and minute; over the limit, 429 for the
      // rest of the minute, no Retry-After.
      if (count > rateLimit) {
        stats.throttled++;
        return outcomeResponse(429, 'throttled', 'Rate limit exceeded');
      }
    }
    if (request.method === 'GET' && request.url === `${base}/.well-known/smart-configuration`) {
      return discovery(request);
    }
    if (request.method === 'GET' && request.url === `${base}/metadata`) return metadata(request);
    if (request.method === 'GET' && request.url === profile.jwksUrl) {
      return json({ keys: [options.signingKey.publicJwk] });
    }
    if (request.url === profile.tokenUrl) {
      if (request.method !== 'POST') fail(`token endpoint needs POST, got ${request.method}`);
      return token(request);
    }
    if (request.url.startsWith(`${base}/`)) return fhir(request, url);
    // Row 6 (Oracle): another tenant in the path → 403 "Tenant not valid or accessible".
    if (
      vendor === 'oracle' &&
      /^https:\/\/fhir-ehr-code\.cerner\.com\/r4\/[0-9a-f-]{36}\//.test(request.url)
    ) {
      return outcomeResponse(403, 'forbidden', 'Tenant not valid or accessible');
    }
    return fail(`unexpected request ${request.method} ${request.url}`);
  }

  function discovery(request: Request): Response {
    const accept = request.headers.get('accept') ?? '';
    if (!accept.includes('application/json'))
      fail('well-known requested without Accept: application/json');
    const document = { ...profile.smartConfiguration };
    // Row 2 (Epic): without Epic-Client-ID the customer's override is not applied.
    if (vendor === 'epic' && options.requireEpicClientIdHeader) {
      if (request.headers.get('epic-client-id') !== options.clientId) {
        document['token_endpoint'] = 'https://wrong.epic.example.org/oauth2/token';
        document['authorization_endpoint'] = 'https://wrong.epic.example.org/oauth2/authorize';
      }
    }
    return json(document);
  }

  function metadata(request: Request): Response {
    const accept = request.headers.get('accept');
    // Row 1 (Epic): XML without an Accept header.
    if (vendor === 'epic' && !accept) {
      return new Response('<CapabilityStatement xmlns="http://hl7.org/fhir"/>', {
        headers: { 'Content-Type': 'application/fhir+xml' },
      });
    }
    if (!accept || !/application\/(fhir\+)?json/.test(accept)) {
      // Row 42 (Oracle): 406 with an empty body.
      if (vendor === 'oracle') return new Response(null, { status: 406 });
      fail('metadata requested without a JSON Accept');
    }
    return json(profile.capabilityStatement, 200, 'application/fhir+json');
  }

  function authorize(
    params: URL | URLSearchParams,
    opts: { user?: 'practitioner' | 'patient' } = {},
  ): URL {
    const query = params instanceof URL ? params.searchParams : params;
    if (params instanceof URL && `${params.origin}${params.pathname}` !== profile.authorizeUrl) {
      fail(`authorize at ${params.origin}${params.pathname}, expected ${profile.authorizeUrl}`);
    }
    const get = (name: string) => query.get(name) ?? undefined;
    if (get('client_id') !== options.clientId) fail(`unknown client_id ${get('client_id')}`);
    if (get('redirect_uri') !== options.redirectUri)
      fail(`unregistered redirect_uri ${get('redirect_uri')}`);
    const redirect = new URL(options.redirectUri);
    const state = get('state');
    const error = (code: string, description: string): URL => {
      redirect.searchParams.set('error', code);
      redirect.searchParams.set('error_description', description);
      if (state !== undefined) redirect.searchParams.set('state', state);
      return redirect;
    };
    if (get('response_type') !== 'code')
      return error('unsupported_response_type', 'response_type must be code');
    if (!state) return error('invalid_request', 'state is required');
    // Row 9: aud must equal the FHIR base exactly (Epic renders an HTML error page).
    if (get('aud') !== base) {
      if (vendor === 'epic') fail('Something went wrong trying to authorize the client (aud)');
      return error('invalid_request', `aud must be ${base}`);
    }
    // Row 19: S256 PKCE (eCW requires it; every client here sends it).
    if (get('code_challenge_method') !== 'S256' || !get('code_challenge')) {
      return error('invalid_request', 'PKCE S256 is required');
    }
    let scopes = (get('scope') ?? '').split(' ').filter(Boolean);
    const launchParam = get('launch');
    // Row 12: `launch` iff EHR launch.
    if (launchParam !== undefined && !scopes.includes('launch')) {
      if (vendor === 'epic') fail('EHR launch without the launch scope shows a login page');
      return error('invalid_scope', 'launch scope required with launch');
    }
    if (launchParam === undefined && scopes.includes('launch')) {
      return error('invalid_scope', 'launch scope without a launch');
    }
    const launch = launchParam !== undefined ? launches.get(launchParam) : undefined;
    if (launchParam !== undefined && !launch) return error('invalid_request', 'unknown launch');
    // Row 16: Oracle and athena reject wildcard resource scopes.
    if (
      (vendor === 'oracle' || vendor === 'athena') &&
      scopes.some((scope) => /^(patient|user|system)\/\*\./.test(scope))
    ) {
      return error('invalid_scope', 'wildcard scopes are not supported');
    }
    // Row 15: scopes in the other syntax are dropped silently.
    scopes = scopes.filter((scope) => {
      const match = /^(patient|user|system)\/[A-Za-z*]+\.([a-z*]+)/.exec(scope);
      if (!match) return true;
      const isV1 = ['read', 'write', '*'].includes(match[2] ?? '');
      return dialect === 'v1' ? isV1 : !isV1;
    });
    // Row 18: offline_access gated.
    if (scopes.includes('offline_access')) {
      if (options.offlinePolicy === 'deny')
        return error('access_denied', 'offline_access is not approved for this app');
      if (options.offlinePolicy === 'drop')
        scopes = scopes.filter((scope) => scope !== 'offline_access');
    }
    const user = opts.user ?? (launch ? 'practitioner' : 'patient');
    const grant: CodeRecord = {
      clientId: options.clientId,
      scope: scopes.join(' '),
      user:
        user === 'patient'
          ? { type: 'Patient', id: FAKE_EHR_DATA.patientId }
          : { type: 'Practitioner', id: FAKE_EHR_DATA.practitionerId },
      launchKind: launch ? 'ehr' : 'standalone',
      redirectUri: options.redirectUri,
      challenge: get('code_challenge') ?? '',
      expiresAt: now() + 60_000,
      used: false,
    };
    if (launch) {
      grant.patient = launch.patientId;
      grant.encounter = launch.encounterId;
    } else if (user === 'patient' || scopes.includes('launch/patient')) {
      // Row 22: Epic provider standalone carries no patient (the app picks one).
      if (!(vendor === 'epic' && user === 'practitioner')) grant.patient = FAKE_EHR_DATA.patientId;
    }
    const nonce = get('nonce');
    if (nonce) grant.nonce = nonce;
    const code = nextId('code');
    codes.set(code, grant);
    redirect.searchParams.set('code', code);
    redirect.searchParams.set('state', state);
    return redirect;
  }

  async function token(request: Request): Promise<Response> {
    stats.tokenRequests++;
    if (
      !(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')
    ) {
      return oauthError(400, 'invalid_request', 'form body required');
    }
    const form = new URLSearchParams(await request.text());
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') return codeExchange(form);
    if (grantType === 'refresh_token') return refresh(form);
    if (grantType === 'client_credentials') return clientCredentials(form);
    return oauthError(400, 'unsupported_grant_type', `grant_type ${grantType}`);
  }

  async function authenticate(
    form: URLSearchParams,
    requireConfidential: boolean,
  ): Promise<string | Response> {
    const assertion = form.get('client_assertion');
    if (assertion) {
      if (form.get('client_assertion_type') !== ASSERTION_TYPE)
        return oauthError(401, 'invalid_client', 'bad assertion type');
      const clientJwks = options.clientJwks;
      if (!clientJwks) return fail('a client assertion was sent to a fake without client keys');
      // Row 31: per-vendor algorithms (eCW RS384 only; Epic RS*, ES* with JKU).
      const algorithms = vendor === 'ecw' ? ['RS384'] : ['RS384', 'ES384'];
      try {
        const { payload } = await jwtVerify(assertion, createLocalJWKSet(clientJwks), {
          algorithms,
          issuer: options.clientId,
          subject: options.clientId,
          audience: profile.tokenUrl,
          currentDate: new Date(now()),
        });
        const jti = payload.jti;
        const exp = payload.exp ?? 0;
        if (typeof jti !== 'string' || seenJti.has(jti))
          return oauthError(401, 'invalid_client', 'jti missing or replayed');
        if (exp - now() / 1000 > 300)
          return oauthError(401, 'invalid_client', 'exp more than 5 minutes ahead');
        seenJti.add(jti);
        return options.clientId;
      } catch (cause) {
        return oauthError(401, 'invalid_client', `bad client assertion: ${String(cause)}`);
      }
    }
    if (requireConfidential)
      return oauthError(401, 'invalid_client', 'client authentication required');
    if (form.get('client_id') !== options.clientId)
      return oauthError(401, 'invalid_client', 'unknown client');
    return options.clientId;
  }

  async function codeExchange(form: URLSearchParams): Promise<Response> {
    const client = await authenticate(form, false);
    if (client instanceof Response) return client;
    const confidential = form.has('client_assertion');
    const code = codes.get(form.get('code') ?? '');
    if (!code || code.used || now() > code.expiresAt)
      return oauthError(400, 'invalid_grant', 'bad code');
    code.used = true;
    if (form.get('redirect_uri') !== code.redirectUri)
      return oauthError(400, 'invalid_grant', 'redirect_uri mismatch');
    const verifier = form.get('code_verifier') ?? '';
    if ((await s256(verifier)) !== code.challenge)
      return oauthError(400, 'invalid_grant', 'PKCE verification failed');
    const issueRefresh =
      code.scope
        .split(' ')
        .some((scope) => scope === 'offline_access' || scope === 'online_access') &&
      // Epic and eCW give refresh tokens to confidential clients only.
      (confidential || !(vendor === 'epic' || vendor === 'ecw'));
    return json(await tokenBody(code, issueRefresh, true), 200, 'application/json', true);
  }

  async function tokenBody(
    grant: Grant,
    issueRefresh: boolean,
    withContext: boolean,
  ): Promise<Record<string, unknown>> {
    const accessToken = await issueAccessToken(grant.clientId, ttl);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: vendor === 'epic' ? 'bearer' : 'Bearer',
      expires_in: ttl,
      scope: echoScope(grant.scope),
    };
    if (issueRefresh) {
      const refreshToken = nextId('rt');
      refreshTokens.set(refreshToken, { grant, used: false });
      body['refresh_token'] = refreshToken;
    }
    if (!withContext) return body;
    const wantsIdToken = grant.scope.split(' ').includes('openid');
    if (wantsIdToken) body['id_token'] = await idToken(grant);
    // Row 22 (Oracle patient standalone, eCW): no `patient`, the app reads it from fhirUser.
    const omitPatient =
      grant.launchKind === 'standalone' &&
      grant.user.type === 'Patient' &&
      (vendor === 'oracle' || vendor === 'ecw');
    if (grant.patient && !omitPatient) body['patient'] = grant.patient;
    if (grant.encounter) body['encounter'] = grant.encounter;
    switch (vendor) {
      case 'epic':
        // Rows 20, 21: string booleans and Epic's extras (E1, E2).
        body['need_patient_banner'] = grant.launchKind === 'ehr' ? 'false' : 'true';
        body['smart_style_url'] =
          `${profile.fhirBaseUrl.replace('/api/FHIR/R4', '')}/api/epic/2016/EDI/HTTP/style/100684-40A6ADMF.json`;
        if (grant.patient)
          body['__epic.dstu2.patient'] = `T${grant.patient.replace(/-/g, '')}DSTU2`;
        if (grant.launchKind === 'ehr') {
          body['loginDepartment'] = 'DEPT-1';
          body['location'] = 'LOC-1';
        }
        body['state'] = 'echoed';
        break;
      case 'oracle':
        // Row 20 (O13): user, username, tenant next to a boolean banner.
        body['need_patient_banner'] = grant.launchKind !== 'ehr';
        body['smart_style_url'] = 'https://smart.cerner.com/styles/smart-v1.json';
        body['tenant'] = /\/r4\/([^/]+)$/.exec(base)?.[1];
        if (grant.user.type === 'Practitioner') body['user'] = grant.user.id;
        body['username'] = grant.user.type === 'Practitioner' ? 'jsmith' : 'amyshaw';
        break;
      case 'athena':
        body['need_patient_banner'] = grant.launchKind !== 'ehr';
        if (grant.launchKind === 'ehr') body['ah_department'] = 'a-1.Department-1';
        break;
      case 'ecw':
      case 'generic':
        body['need_patient_banner'] = grant.launchKind !== 'ehr';
        break;
    }
    return body;
  }

  function echoScope(scope: string): string {
    if (vendor !== 'epic') return scope;
    // Row 14 (Epic): both `.Read` and `.read` variants and a trailing space.
    const out: string[] = [];
    for (const item of scope.split(' ')) {
      out.push(item);
      if (/\.read$/.test(item)) out.push(item.replace(/\.read$/, '.Read'));
    }
    return `${out.join(' ')} `;
  }

  async function issueAccessToken(clientId: string, lifetime: number): Promise<string> {
    let value: string;
    if (vendor === 'athena') {
      // Row 20 (athena): a JWT access token carrying ah_practice (O8, O11).
      value = await new SignJWT({ ah_practice: FAKE_EHR_DATA.athenaPractice, cid: clientId })
        .setProtectedHeader({ alg: 'RS256', kid: options.signingKey.kid })
        .setIssuedAt(Math.floor(now() / 1000))
        .setExpirationTime(Math.floor(now() / 1000) + lifetime)
        .setJti(nextId('jti'))
        .sign(options.signingKey.privateKey);
    } else {
      value = nextId('at');
    }
    accessTokens.set(value, { expiresAt: now() + lifetime * 1000, clientId });
    return value;
  }

  async function idToken(grant: Grant): Promise<string> {
    const claims: Record<string, unknown> = {
      fhirUser: profile.fhirUserClaim(grant.user.type, grant.user.id),
    };
    // Row 23 (Oracle, eCW): the legacy `profile` twin.
    if (vendor === 'oracle' || vendor === 'ecw') claims['profile'] = claims['fhirUser'];
    if (grant.nonce) claims['nonce'] = grant.nonce;
    const seconds = Math.floor(now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: options.signingKey.kid, typ: 'JWT' })
      .setIssuer(profile.oidcIssuer)
      .setSubject(`${grant.user.type.toLowerCase()}-${grant.user.id}`)
      .setAudience(grant.clientId)
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + 300)
      .sign(options.signingKey.privateKey);
  }

  async function refresh(form: URLSearchParams): Promise<Response> {
    stats.refreshes++;
    stats.refreshForms.push(Object.fromEntries(form));
    const confidential = form.has('client_assertion');
    const client = await authenticate(form, false);
    if (client instanceof Response) return client;
    const record = refreshTokens.get(form.get('refresh_token') ?? '');
    // Row 27 (eCW): refresh tokens are single-use.
    if (!record || record.used)
      return oauthError(400, 'invalid_grant', 'refresh token invalid or already used');
    // Row 28 (athena): the granted scope must be sent.
    if (vendor === 'athena' && !form.get('scope'))
      return oauthError(400, 'invalid_request', 'scope is required');
    // Row 29 (Oracle): more than one refresh a minute is throttled.
    if (
      vendor === 'oracle' &&
      record.lastRefreshAt !== undefined &&
      now() - record.lastRefreshAt < 60_000
    ) {
      return oauthError(429, 'temporarily_unavailable', 'refresh throttled');
    }
    record.lastRefreshAt = now();
    if (!confidential && vendor === 'ecw') fail('eCW public clients have no refresh token');
    const body = await tokenBody(record.grant, false, false);
    // Rows 26, 27: Oracle and Epic (default) keep the RT; eCW rotates and invalidates; athena rotates.
    if (vendor === 'ecw' || vendor === 'athena' || vendor === 'generic') {
      if (vendor === 'ecw') record.used = true;
      const rotated = nextId('rt');
      refreshTokens.set(rotated, { grant: record.grant, used: false });
      body['refresh_token'] = rotated;
    }
    return json(body, 200, 'application/json', true);
  }

  async function clientCredentials(form: URLSearchParams): Promise<Response> {
    const client = await authenticate(form, true);
    if (client instanceof Response) return client;
    const scope = form.get('scope') ?? '';
    // Row 33: Epic takes backend scope from the registration and answers API names.
    if (vendor !== 'epic' && !scope.split(' ').every((item) => item.startsWith('system/'))) {
      return oauthError(400, 'invalid_scope', 'only system/ scopes');
    }
    const lifetime = vendor === 'ecw' ? 300 : vendor === 'epic' ? 3600 : ttl;
    const accessToken = await issueAccessToken(client, lifetime);
    return json(
      {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: lifetime,
        scope:
          vendor === 'epic'
            ? 'Patient.read Patient.search Observation.read Observation.search '
            : scope,
      },
      200,
      'application/json',
      true,
    );
  }

  async function fhir(request: Request, url: URL): Promise<Response> {
    stats.fhirRequests++;
    const auth = request.headers.get('authorization') ?? '';
    const record = accessTokens.get(auth.replace(/^Bearer /, ''));
    if (!auth.startsWith('Bearer ') || !record) return unauthorized('unknown token');
    if (now() >= record.expiresAt) return unauthorized('token expired');
    const accept = request.headers.get('accept') ?? '';
    if (accept !== 'application/fhir+json') {
      if (vendor === 'oracle') return new Response(null, { status: 406 }); // row 42
      fail(`FHIR request without Accept: application/fhir+json (${accept})`);
    }
    if (throttle && throttle.count > 0) {
      throttle.count--;
      stats.throttled++;
      const headers: Record<string, string> = {};
      if (throttle.retryAfterSeconds !== undefined)
        headers['Retry-After'] = String(throttle.retryAfterSeconds);
      if (throttle.count === 0) throttle = undefined;
      return outcomeResponse(429, 'throttled', 'Too many requests', undefined, headers);
    }
    const path = url.pathname.slice(new URL(base).pathname.length + 1);
    const [type, id, ...rest] = path.split('/');
    if (!type || rest.length > 0) return fail(`unexpected FHIR path ${url.pathname}`);
    if (request.method === 'GET' && id) return read(type, id);
    if (request.method === 'GET' && !id) return search(type, url);
    if (request.method === 'POST' && !id) return create(type, request);
    if (request.method === 'PUT' && id) return update(type, id, request);
    return fail(`unexpected FHIR ${request.method} ${url.pathname}`);
  }

  function read(type: string, id: string): Response {
    // Row 41 (Epic): Break-the-Glass.
    if (vendor === 'epic' && type === 'Patient' && id === FAKE_EHR_DATA.restrictedPatientId) {
      return outcomeResponse(403, 'suppressed', 'Break-the-Glass required', '4130');
    }
    // Row 43 (Oracle): 500 + OperationOutcome for a record missing a required element.
    if (vendor === 'oracle' && type === 'Observation' && id === FAKE_EHR_DATA.brokenObservationId) {
      return outcomeResponse(500, 'exception', 'Required element Observation.status is missing');
    }
    const resource = records.get(`${type}/${id}`);
    if (!resource) return outcomeResponse(404, 'not-found', `${type}/${id} not found`);
    return json(resource, 200, 'application/fhir+json');
  }

  function search(type: string, url: URL): Response {
    const params = url.searchParams;
    const cursorName =
      vendor === 'epic'
        ? '_getpages'
        : vendor === 'oracle'
          ? 'pageContext'
          : vendor === 'athena'
            ? 'cursor'
            : '_page';
    const cursor = params.get(cursorName);
    if (cursor) return page(type, cursor, cursorName, params);
    // Row 7 (athena): every search needs ah-practice.
    if (
      vendor === 'athena' &&
      params.get('ah-practice') !== `Organization/${FAKE_EHR_DATA.athenaPractice}`
    ) {
      return outcomeResponse(400, 'required', 'ah-practice is required');
    }
    if (type !== 'Observation') fail(`the fake searches only Observation, not ${type}`);
    const patient = params.get('patient') ?? params.get('subject');
    if (!patient) {
      if (vendor === 'epic')
        return outcomeResponse(400, 'required', 'Required search parameter missing', '4111'); // row 35
      if (vendor === 'oracle')
        return outcomeResponse(400, 'required', 'no supported search parameters provided'); // row 35
    }
    const category = params.get('category');
    if (vendor === 'epic' && !category && !params.get('code')) {
      return outcomeResponse(400, 'required', 'category or code required', '59108'); // row 35
    }
    const count = Number(params.get('_count') ?? 10);
    // Row 38 (Oracle): Observation _count max 200.
    if (vendor === 'oracle' && count > 200)
      return outcomeResponse(400, 'invalid', '_count exceeds 200');
    const items = observations.filter(
      (obs) =>
        (!category || category.split(',').includes(categoryOf(obs))) &&
        (!patient || patient === FAKE_EHR_DATA.patientId),
    );
    const sessionId = nextId('page');
    // Row 37: short, uneven pages (post-filtering) of at most _count.
    const sizes = [
      Math.max(1, Math.min(count, 7)),
      Math.max(1, Math.min(count, 4)),
      Math.max(1, Math.min(count, 9)),
    ];
    pagingSessions.set(sessionId, { items, createdAt: now(), pageSizes: sizes });
    return page(type, `${sessionId}.0.0`, cursorName, params);
  }

  function page(
    type: string,
    cursor: string,
    cursorName: string,
    params: URLSearchParams,
  ): Response {
    const [sessionId, offsetText, indexText] = cursor.split('.');
    const session = pagingSessions.get(sessionId ?? '');
    if (!session) return fail(`unknown paging cursor ${cursor}`);
    // Row 39 (Epic): paging sessions expire.
    if (vendor === 'epic' && now() - session.createdAt > (options.pagingSessionTtlMs ?? 60_000)) {
      return outcomeResponse(400, 'expired', 'Paging session expired', '4113');
    }
    const offset = Number(offsetText);
    const index = Number(indexText);
    const size = session.pageSizes[index % session.pageSizes.length] ?? 5;
    // Row 37 (Oracle doc, everyone here): the last item of the previous page comes again.
    const start = offset > 0 ? offset - 1 : 0;
    const slice = session.items.slice(start, offset + size);
    const nextOffset = offset + size;
    const entries: unknown[] = slice.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' },
    }));
    if (vendor === 'epic' && offset === 0 && options.partialData) {
      // Row 36 (Epic): warnings come as outcome entries inside the searchset.
      entries.push({
        resource: outcome('warning', 'informational', 'Additional data may be present', '4119'),
        search: { mode: 'outcome' },
      });
    }
    const links: unknown[] = [{ relation: 'self', url: `${base}/${type}?${params}` }];
    if (nextOffset < session.items.length) {
      const next = new URLSearchParams();
      if (vendor === 'oracle') next.set('patient', FAKE_EHR_DATA.patientId);
      next.set(cursorName, `${sessionId}.${nextOffset}.${index + 1}`);
      if (vendor === 'oracle') next.set('direction', 'NEXT');
      if (vendor === 'athena')
        next.set('ah-practice', `Organization/${FAKE_EHR_DATA.athenaPractice}`);
      links.push({ relation: 'next', url: `${base}/${type}?${next}` });
    }
    return json(
      { resourceType: 'Bundle', type: 'searchset', link: links, entry: entries },
      200,
      'application/fhir+json',
    );
  }

  async function create(type: string, request: Request): Promise<Response> {
    if (vendor === 'athena' || vendor === 'ecw')
      fail(`${vendor} has no FHIR create for ${type}; the client must not send it`);
    if (request.headers.get('content-type') !== 'application/fhir+json')
      return outcomeResponse(415, 'not-supported', 'Content-Type must be application/fhir+json');
    const body = (await request.json()) as Resource;
    const id = nextId('obs');
    const stored: Resource = {
      ...body,
      id,
      meta: { versionId: '1', lastUpdated: new Date(now()).toISOString() },
    };
    records.set(`${type}/${id}`, stored);
    return json(stored, 201, 'application/fhir+json', false, {
      Location: `${base}/${type}/${id}/_history/1`,
      ETag: 'W/"1"',
    });
  }

  async function update(type: string, id: string, request: Request): Promise<Response> {
    if (vendor === 'athena' || vendor === 'ecw')
      fail(`${vendor} has no FHIR update; the client must not send it`);
    const current = records.get(`${type}/${id}`);
    if (!current) return outcomeResponse(404, 'not-found', `${type}/${id} not found`);
    const ifMatch = request.headers.get('if-match');
    const version = current.meta?.versionId ?? '1';
    // Row 44 (Oracle): If-Match required on PUT; stale → 409.
    if (vendor === 'oracle' && !ifMatch)
      return outcomeResponse(412, 'conflict', 'If-Match is required');
    if (ifMatch && ifMatch !== `W/"${version}"`)
      return outcomeResponse(409, 'conflict', 'Resource version mismatch');
    const body = (await request.json()) as Resource;
    const nextVersion = String(Number(version) + 1);
    const stored: Resource = {
      ...body,
      id,
      meta: { versionId: nextVersion, lastUpdated: new Date(now()).toISOString() },
    };
    records.set(`${type}/${id}`, stored);
    return json(stored, 200, 'application/fhir+json', false, { ETag: `W/"${nextVersion}"` });
  }

  function unauthorized(description: string): Response {
    return new Response(JSON.stringify(outcome('error', 'login', description)), {
      status: 401,
      headers: {
        'Content-Type': 'application/fhir+json',
        'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"`,
      },
    });
  }

  function outcomeResponse(
    status: number,
    code: string,
    diagnostics: string,
    vendorCode?: string,
    headers: Record<string, string> = {},
  ): Response {
    return json(
      outcome('error', code, diagnostics, vendorCode),
      status,
      'application/fhir+json',
      false,
      headers,
    );
  }

  function outcome(
    severity: string,
    code: string,
    diagnostics: string,
    vendorCode?: string,
  ): Resource {
    return {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity,
          code,
          diagnostics,
          ...(vendorCode
            ? {
                details: {
                  coding: [{ system: EPIC_OUTCOME_SYSTEM, code: vendorCode, display: diagnostics }],
                  text: diagnostics,
                },
              }
            : {}),
        },
      ],
    };
  }

  return {
    profile,
    fetch: handle,
    stats,
    launch(opts = {}) {
      // Row 11/50 (Epic): launch tokens may be JWTs, long enough to overflow a GET URL.
      const id = vendor === 'epic' ? `eyJ${nextId('launch')}`.padEnd(2400, 'x') : nextId('launch');
      launches.set(id, {
        patientId: opts.patientId ?? FAKE_EHR_DATA.patientId,
        encounterId: FAKE_EHR_DATA.encounterId,
      });
      return id;
    },
    authorize,
    jwks: () => ({ keys: [options.signingKey.publicJwk] }),
    keySet: () => createLocalJWKSet({ keys: [options.signingKey.publicJwk] }),
  };
}

function json(
  body: unknown,
  status = 200,
  contentType = 'application/json',
  noStore = false,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': contentType,
      ...(noStore ? { 'Cache-Control': 'no-store', Pragma: 'no-cache' } : {}),
      ...headers,
    },
  });
}

function oauthError(status: number, error: string, description: string): Response {
  return json({ error, error_description: description }, status, 'application/json', true);
}

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)),
  );
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function patientResource(id: string): Resource {
  return {
    resourceType: 'Patient',
    id,
    meta: { versionId: '1' },
    name: [{ family: 'Shaw', given: ['Amy'] }],
    gender: 'female',
    birthDate: '1987-02-20',
  };
}

function categoryOf(resource: Resource): string {
  const category = (resource as { category?: { coding?: { code?: string }[] }[] }).category;
  return category?.[0]?.coding?.[0]?.code ?? '';
}

function buildObservations(count: number): Resource[] {
  const out: Resource[] = [];
  for (let i = 1; i <= count; i++) {
    const category = i % 3 === 0 ? 'vital-signs' : 'laboratory';
    out.push({
      resourceType: 'Observation',
      id: `obs-${String(i).padStart(3, '0')}`,
      meta: {
        versionId: '1',
        lastUpdated: `2025-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`,
      },
      status: 'final',
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: category,
            },
          ],
        },
      ],
      code: { text: `Observation ${i}` },
      subject: { reference: `Patient/${FAKE_EHR_DATA.patientId}` },
    });
  }
  return out;
}
