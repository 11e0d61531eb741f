import { randomUUID } from 'node:crypto';

import {
  FhirClient,
  RateLimiter,
  createTokenEndpointFetch,
  discoverConnection,
  type LaunchContext,
  type Vendor,
} from '@bedside/ehr-adapters';
import type { Patient } from '@bedside/fhir-model';
import {
  BackendServicesClient,
  InMemoryTokenStore,
  TokenLifecycle,
  buildAuthorizationCodeRequest,
  buildAuthorizationUrl,
  computeCodeChallenge,
  generateCodeVerifier,
  generateNonce,
  generateSigningKey,
  generateState,
  parseAuthorizationCallback,
  processTokenResponse,
  tokenSetFromResponse,
  verifyIdToken,
  type ClientAuthentication,
} from '@bedside/smart-auth';
import { createRemoteJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { appRedirectUri, startSandbox, type SandboxHarness } from '../test/harness.js';
import { createLaunchFor } from '../test/launch-flow.js';
import type { VendorProfileName } from './auth/profiles.js';

/** Each sandbox profile, and the adapter an app registered for that vendor would use. */
const profiles: [VendorProfileName, Vendor][] = [
  ['generic', 'generic'],
  ['epic', 'epic'],
  ['oracle', 'oracle'],
  ['athena', 'athena'],
  ['ecw', 'ecw'],
];

/** What stays vendor-specific after normalisation: the tenant and the vendor's extra members. */
const vendorOnly: Record<VendorProfileName, { tenant?: string; extras: Record<string, unknown> }> =
  {
    generic: { extras: {} },
    epic: { extras: { '__epic.dstu2.patient': 'Tpat-omar-haddad' } },
    // Oracle's tenant, user and username (row 20, ISSUE O13).
    oracle: {
      tenant: 'ec2458f2-1e24-41c8-b71b-0e701af7583d',
      extras: {
        user: 'Practitioner/practitioner-ann-lee',
        username: 'Practitioner/practitioner-ann-lee',
      },
    },
    // athena's practice (row 20, ISSUE O8) becomes the tenant.
    athena: {
      tenant: 'a-1.Practice-195900',
      extras: { ah_practice: 'Organization/a-1.Practice-195900' },
    },
    ecw: { extras: {} },
  };

/** What the app keeps of a launch, minus what is vendor-specific by design. */
function comparable(context: LaunchContext) {
  return {
    patient: context.patient,
    encounter: context.encounter,
    fhirUser: context.fhirUser ? `${context.fhirUser.resourceType}/${context.fhirUser.id}` : null,
    needPatientBanner: context.needPatientBanner,
    grantedScopes: [...context.grantedScopes].sort(),
  };
}

/**
 * Our client libraries (smart-auth + ehr-adapters) against the sandbox under every vendor
 * profile: EHR launch, standalone launch and Backend Services all complete, and the adapters
 * normalise every emulated quirk so the app gets the same context from each vendor.
 */
describe('smart-auth + ehr-adapters against every sandbox vendor profile', () => {
  let sandbox: SandboxHarness;
  const clients = new Map<VendorProfileName, string>();

  beforeAll(async () => {
    sandbox = await startSandbox();
    for (const [profile] of profiles) {
      const clientId = `libs-${profile}-${randomUUID().slice(0, 8)}`;
      await sandbox.prisma.sandboxClient.create({
        data: {
          clientId,
          name: `Client libraries under ${profile}`,
          clientType: 'public',
          redirectUris: [appRedirectUri],
          launchUrl: 'http://app.test:3000/launch',
          allowedScope:
            'launch launch/patient openid fhirUser patient/Patient.rs patient/Encounter.rs patient/Patient.read patient/Encounter.read',
          profile,
        },
      });
      clients.set(profile, clientId);
    }
  });
  afterAll(async () => {
    await sandbox.close();
  });

  /** Authorize → code → token through the libraries, the way an app does it. */
  async function authorizeAndExchange(
    vendor: Vendor,
    clientId: string,
    options: { launch?: string; driveLoginPages?: boolean },
  ) {
    const iss = sandbox.fhirBaseUrl;
    const { adapter, config } = await discoverConnection(iss, { vendor });
    const state = generateState();
    const nonce = generateNonce();
    const codeVerifier = generateCodeVerifier();
    const scope = adapter.toRequestedScopes(
      [
        options.launch ? 'launch' : 'launch/patient',
        'openid',
        'fhirUser',
        'patient/Patient.rs',
        'patient/Encounter.rs',
      ],
      { launch: options.launch ? 'ehr' : 'standalone', config },
    );
    const url = buildAuthorizationUrl({
      authorizationEndpoint: config.authorization_endpoint ?? '',
      clientId,
      redirectUri: appRedirectUri,
      scope,
      state,
      nonce,
      aud: iss,
      ...(options.launch ? { launch: options.launch } : {}),
      codeChallenge: await computeCodeChallenge(codeVerifier),
    });
    let redirect = await fetch(url, { redirect: 'manual' });
    if (options.driveLoginPages) redirect = await signInPickAndConsent(redirect);
    const { code } = parseAuthorizationCallback(
      new URL(redirect.headers.get('location') ?? ''),
      state,
    );
    const tokenFetch = createTokenEndpointFetch(adapter, {
      tokenEndpoint: config.token_endpoint,
      rateLimiter: new RateLimiter(),
      fhirBaseUrl: iss,
    });
    const client: ClientAuthentication = { method: 'none', clientId };
    const token = await processTokenResponse(
      await tokenFetch(
        await buildAuthorizationCodeRequest({
          tokenEndpoint: config.token_endpoint,
          code,
          redirectUri: appRedirectUri,
          codeVerifier,
          client,
        }),
      ),
    );
    // fhirUser comes from the verified id_token (OIDC-06), absolute or relative per vendor.
    const idTokenClaims = await verifyIdToken(token.id_token ?? '', {
      issuer: String(config['issuer']),
      clientId,
      nonce,
      jwks: createRemoteJWKSet(new URL(String(config['jwks_uri']))),
    });
    const context = adapter.normalizeLaunchContext({
      tokenResponse: token,
      idTokenClaims,
      fhirBaseUrl: iss,
    });
    const lifecycle = new TokenLifecycle({
      store: new InMemoryTokenStore(),
      tokenEndpoint: config.token_endpoint,
      client,
      fetch: tokenFetch,
      fhirBaseUrl: iss,
    });
    await lifecycle.saveTokens(tokenSetFromResponse(token, Date.now()));
    const fhir = new FhirClient({ fhirBaseUrl: iss, adapter, auth: lifecycle });
    return { context, fhir };
  }

  /** The standalone pages as a user clicks through them: sign in, pick Omar Haddad, allow. */
  async function signInPickAndConsent(start: Response): Promise<Response> {
    const form = (path: string, body: Record<string, string>) =>
      fetch(new URL(path, sandbox.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body),
        redirect: 'manual',
      });
    const loginUrl = new URL(start.headers.get('location') ?? '');
    expect(loginUrl.pathname).toBe('/auth/login');
    const request = loginUrl.searchParams.get('request') ?? '';
    const login = await form('/auth/login', { request, username: 'ann.lee', password: 'sandbox' });
    let next = login.headers.get('location') ?? '';
    if (new URL(next).pathname === '/auth/select-patient') {
      next =
        (await form('/auth/select-patient', { request, patientId: 'pat-omar-haddad' })).headers.get(
          'location',
        ) ?? '';
    }
    const consentPage = await (await fetch(next)).text();
    const consent: Record<string, string> = { request, decision: 'approve' };
    for (const [, name, value] of consentPage.matchAll(/name="(scope_\d+)" value="([^"]+)"/g)) {
      consent[name ?? ''] = value ?? '';
    }
    return form('/auth/consent', consent);
  }

  it.each(profiles)(
    'EHR launch under the %s profile yields the same context as generic',
    async (profile, vendor) => {
      const clientId = clients.get(profile) ?? '';
      const reference = await authorizeAndExchange('generic', clients.get('generic') ?? '', {
        launch: await createLaunchFor(sandbox, clients.get('generic') ?? '', {
          patientId: 'pat-omar-haddad',
        }),
      });
      const launched = await authorizeAndExchange(vendor, clientId, {
        launch: await createLaunchFor(sandbox, clientId, { patientId: 'pat-omar-haddad' }),
      });
      expect(launched.context.vendor).toBe(vendor);
      expect(comparable(launched.context)).toEqual(comparable(reference.context));
      expect(comparable(launched.context)).toMatchObject({
        patient: 'pat-omar-haddad',
        encounter: 'enc-omar-haddad',
        fhirUser: 'Practitioner/practitioner-ann-lee',
        needPatientBanner: false,
      });
      // Vendor-only members are kept, not dropped (row 20).
      expect({ tenant: launched.context.tenant, extras: launched.context.vendorExtras }).toEqual(
        vendorOnly[profile],
      );
      const patient = await launched.fhir.read<Patient>('Patient', 'pat-omar-haddad');
      expect(patient.name?.[0]?.family).toBe('Haddad');
    },
  );

  it.each(profiles)(
    'standalone launch (login, patient picker, consent) under the %s profile',
    async (profile, vendor) => {
      const launched = await authorizeAndExchange(vendor, clients.get(profile) ?? '', {
        driveLoginPages: true,
      });
      expect(comparable(launched.context)).toMatchObject({
        patient: 'pat-omar-haddad',
        fhirUser: 'Practitioner/practitioner-ann-lee',
      });
      const patient = await launched.fhir.read<Patient>('Patient', 'pat-omar-haddad');
      expect(patient.id).toBe('pat-omar-haddad');
    },
  );

  it.each(profiles)('Backend Services under the %s profile', async (profile, vendor) => {
    // Every profile takes RS384 (Epic takes only RS* and ES*: row 31).
    const key = await generateSigningKey('RS384');
    const clientId = `backend-${profile}-${randomUUID().slice(0, 8)}`;
    await sandbox.prisma.sandboxClient.create({
      data: {
        clientId,
        name: `Backend client under ${profile}`,
        clientType: 'backend-service',
        redirectUris: [],
        allowedScope: 'system/Patient.rs',
        profile,
        jwks: { keys: [{ ...key.publicJwk, kid: key.kid, alg: key.alg }] },
      },
    });
    const { adapter, config } = await discoverConnection(sandbox.fhirBaseUrl, { vendor });
    const backend = new BackendServicesClient({
      tokenEndpoint: config.token_endpoint,
      client: {
        method: 'private_key_jwt',
        clientId,
        privateKey: key.privateKey,
        kid: key.kid,
        alg: key.alg,
      },
      scope: 'system/Patient.rs',
      fetch: createTokenEndpointFetch(adapter, {
        tokenEndpoint: config.token_endpoint,
        rateLimiter: new RateLimiter(),
      }),
    });
    const tokens = await backend.getTokens();
    expect(adapter.normalizeGrantedScopes(tokens.scope)).toEqual(['system/Patient.rs']);
    const fhir = new FhirClient({
      fhirBaseUrl: sandbox.fhirBaseUrl,
      adapter,
      auth: {
        fetchWithToken: async (request) => {
          request.headers.set('authorization', `Bearer ${await backend.getAccessToken()}`);
          return fetch(request);
        },
      },
    });
    const patient = await fhir.read<Patient>('Patient', 'pat-grace-okafor');
    expect(patient.name?.[0]?.family).toBe('Okafor');
  });
});
