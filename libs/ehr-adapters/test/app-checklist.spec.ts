/**
 * One test per [APP] item of shared/spec/smart-conformance.md, run through smart-auth and this
 * library against the strict vendor fakes (the app side of every launch pattern).
 */
import {
  IdTokenError,
  StateMismatchError,
  generateState,
  hasCapability,
  parseAuthorizationCallback,
  verifyIdToken,
} from '@bedside/smart-auth';
import { createStrictFetch, jsonResponse } from '@bedside/smart-auth/testing';
import { createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';

import { VENDORS, discoverConnection, matchIssuer } from '../src/index.js';
import { FAKE_EHR_DATA, vendorProfiles } from '../src/testing/index.js';

import { APP_SCOPES, CLIENT_ID, createHarness, runBackendServices, runLaunch } from './flows.js';

import type { Harness } from './flows.js';

interface Recorded {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

/** Replaces the fake's fetch with one that records every request first. */
function record(harness: Harness): Recorded[] {
  const seen: Recorded[] = [];
  const inner = harness.fake.fetch;
  harness.fake.fetch = async (request) => {
    seen.push({
      method: request.method,
      url: request.url,
      headers: new Headers(request.headers),
      body: request.body ? await request.clone().text() : '',
    });
    return inner(request);
  };
  return seen;
}

function authorizeParams(outcome: Awaited<ReturnType<typeof runLaunch>>): URLSearchParams {
  const request = outcome.authorizeRequest;
  return request.method === 'GET' ? request.url.searchParams : new URLSearchParams(request.fields);
}

describe('SMART App Launch 2.2 [APP] checklist — discovery', () => {
  it('DISC-05: relative endpoint URLs are resolved against the FHIR base', async () => {
    const base = 'https://ehr.example.org/fhir';
    const fetch = createStrictFetch(
      {
        method: 'GET',
        url: `${base}/metadata`,
        headers: { accept: 'application/fhir+json, application/json;q=0.9' },
        respond: new Response(null, { status: 404 }),
      },
      {
        method: 'GET',
        url: `${base}/.well-known/smart-configuration`,
        headers: { accept: 'application/json' },
        respond: jsonResponse({
          ...vendorProfiles.generic.smartConfiguration,
          token_endpoint: 'auth/token',
          authorization_endpoint: '../authorize',
        }),
      },
    );
    const { config } = await discoverConnection(base, { fetch });
    expect(config.token_endpoint).toBe(`${base}/auth/token`);
    expect(config.authorization_endpoint).toBe('https://ehr.example.org/authorize');
    fetch.assertDone();
  });

  it('DISC-08: STU1 capability names are accepted', async () => {
    const base = 'https://ehr.example.org/fhir';
    const fetch = createStrictFetch(
      { method: 'GET', url: `${base}/metadata`, respond: new Response(null, { status: 404 }) },
      {
        method: 'GET',
        url: `${base}/.well-known/smart-configuration`,
        respond: jsonResponse({
          ...vendorProfiles.generic.smartConfiguration,
          capabilities: ['launch-ehr', 'context-passthrough-banner'],
        }),
      },
    );
    const { config } = await discoverConnection(base, { fetch });
    expect(hasCapability(config, 'context-banner')).toBe(true);
  });

  it("DISC-11 + row 4: no well-known → the CapabilityStatement's exact oauth-uris extension (athena's bogus first one ignored)", async () => {
    const profile = vendorProfiles.athena;
    const fetch = createStrictFetch(
      {
        method: 'GET',
        url: `${profile.fhirBaseUrl}/metadata`,
        respond: jsonResponse(profile.capabilityStatement),
      },
      {
        method: 'GET',
        url: `${profile.fhirBaseUrl}/.well-known/smart-configuration`,
        respond: new Response('', { status: 404 }),
      },
    );
    const { config, adapter } = await discoverConnection(profile.fhirBaseUrl, { fetch });
    expect(config.source).toBe('capability-statement');
    expect(config.token_endpoint).toBe(profile.tokenUrl);
    expect(config.authorization_endpoint).toBe(profile.authorizeUrl);
    expect(adapter.vendor).toBe('athena');
  });

  it.each(['oracle', 'athena'] as const)(
    'DISC-13 / PKCE-07: %s omits code_challenge_methods_supported; S256 is sent anyway',
    async (vendor) => {
      const harness = await createHarness(vendor);
      const seen = record(harness);
      const outcome = await runLaunch(harness, 'ehr');
      expect(outcome.connection.config.code_challenge_methods_supported).toEqual(['S256']);
      expect(authorizeParams(outcome).get('code_challenge_method')).toBe('S256');
      const wellKnown = seen.find((request) =>
        request.url.endsWith('/.well-known/smart-configuration'),
      );
      expect(wellKnown?.headers.get('accept')).toBe('application/json');
    },
  );
});

describe('SMART App Launch 2.2 [APP] checklist — launch and authorization request', () => {
  it.each(VENDORS)(
    'LAUNCH-02 / AUTHZ-02 / PKCE-01 / STATE-02: %s EHR launch request',
    async (vendor) => {
      const outcome = await runLaunch(await createHarness(vendor), 'ehr');
      const params = authorizeParams(outcome);
      expect(params.get('response_type')).toBe('code');
      expect(params.get('client_id')).toBe(CLIENT_ID);
      expect(params.get('redirect_uri')).toBe('https://app.bedside.example/callback');
      expect(params.get('scope')?.split(' ')[0]).toBe('launch');
      expect(params.get('launch')).toBeTruthy();
      expect(params.get('aud')).toBe(vendorProfiles[vendor].fhirBaseUrl); // row 9, byte for byte
      expect(params.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.get('code_challenge_method')).toBe('S256');
      // AUTHZ-09: nothing the server did not ask for.
      expect(params.has('max_age')).toBe(false);
      expect(params.has('auth_time')).toBe(false);
    },
  );

  it('LAUNCH-03: only a registered iss is matched, exactly (no slash or case folding)', () => {
    const registered = [vendorProfiles.epic.fhirBaseUrl, vendorProfiles.oracle.fhirBaseUrl];
    expect(matchIssuer(vendorProfiles.epic.fhirBaseUrl, registered)).toBe(
      vendorProfiles.epic.fhirBaseUrl,
    );
    expect(matchIssuer(`${vendorProfiles.epic.fhirBaseUrl}/`, registered)).toBeUndefined();
    expect(
      matchIssuer(vendorProfiles.oracle.fhirBaseUrl.toUpperCase(), registered),
    ).toBeUndefined();
    expect(matchIssuer('https://evil.example.org/fhir', registered)).toBeUndefined();
  });

  it('LAUNCH-11: no intent from the EHR → none in the context (the app shows its default view)', async () => {
    const outcome = await runLaunch(await createHarness('generic'), 'ehr');
    expect(outcome.context.intent).toBeUndefined();
  });

  it('AUTHZ-08 / row 11: a long EHR launch request is POSTed where authorize-post is advertised', async () => {
    const outcome = await runLaunch(await createHarness('epic'), 'ehr');
    expect(outcome.authorizeRequest.method).toBe('POST');
    const standalone = await runLaunch(await createHarness('epic'), 'standalone', {
      scopes: ['launch/patient', ...APP_SCOPES],
    });
    expect(standalone.authorizeRequest.method).toBe('GET');
  });

  it('AUTHZ-11: an unregistered redirect_uri is refused without a redirect', async () => {
    const harness = await createHarness('generic');
    const url = new URL(harness.fake.profile.authorizeUrl);
    url.searchParams.set('client_id', CLIENT_ID);
    url.searchParams.set('redirect_uri', 'https://evil.example.org/callback');
    expect(() => harness.fake.authorize(url)).toThrow(/unregistered redirect_uri/);
  });

  it('STATE-01: state carries at least 122 bits from a CSPRNG (43 base64url chars = 256 bits)', () => {
    const states = new Set(Array.from({ length: 100 }, () => generateState()));
    expect(states.size).toBe(100);
    for (const state of states) expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('STATE-03: a callback with another state is rejected', async () => {
    const harness = await createHarness('generic');
    const outcome = await runLaunch(harness, 'ehr');
    const params = authorizeParams(outcome);
    const redirect = harness.fake.authorize(
      new URL(`${harness.fake.profile.authorizeUrl}?${params}`),
    );
    expect(() => parseAuthorizationCallback(redirect, 'another-state')).toThrow(StateMismatchError);
  });

  it('STATE-07: an RFC 9207 iss on the callback is the authorization server, checked as such', () => {
    const callback = new URL(
      'https://app.bedside.example/callback?code=c&state=s&iss=https%3A%2F%2Fathena.okta.com%2Foauth2%2Faus2hff5eqFb7Wqfh297',
    );
    expect(
      parseAuthorizationCallback(callback, 's', {
        expectedIssuer: vendorProfiles.athena.oidcIssuer,
      }).iss,
    ).toBe(vendorProfiles.athena.oidcIssuer);
    expect(() =>
      parseAuthorizationCallback(callback, 's', {
        expectedIssuer: vendorProfiles.athena.fhirBaseUrl,
      }),
    ).toThrow();
  });
});

describe('SMART App Launch 2.2 [APP] checklist — token exchange, tokens and identity', () => {
  it('TOKEN-01 / STATE-05: form-encoded code exchange; the same code twice is invalid_grant', async () => {
    const harness = await createHarness('generic');
    const seen = record(harness);
    await runLaunch(harness, 'ehr');
    const exchange = seen.find((request) => request.url === harness.fake.profile.tokenUrl);
    expect(exchange?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(exchange?.body);
    expect([...form.keys()].sort()).toEqual([
      'client_assertion',
      'client_assertion_type',
      'code',
      'code_verifier',
      'grant_type',
      'redirect_uri',
    ]);
    // STATE-05: the same code again (a second exchange for one callback) is refused.
    const reused = await harness.fake.fetch(
      new Request(harness.fake.profile.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: form.get('code') ?? '',
          redirect_uri: form.get('redirect_uri') ?? '',
          code_verifier: form.get('code_verifier') ?? '',
          client_id: CLIENT_ID,
        }),
      }),
    );
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('TOKEN-08 / row 50: opaque (Epic) and JWT (athena) access tokens both just work', async () => {
    for (const vendor of ['epic', 'athena'] as const) {
      const outcome = await runLaunch(await createHarness(vendor), 'ehr');
      const token = outcome.tokenResponse.access_token;
      expect(token.split('.').length === 3).toBe(vendor === 'athena');
      const stored = (await outcome.store.load())?.tokens;
      expect(stored?.expiresAt).toBe((stored?.receivedAt ?? 0) + 3600 * 1000);
    }
  });

  it('TOKEN-09: every FHIR call carries Authorization: Bearer <access token>', async () => {
    const harness = await createHarness('oracle');
    const seen = record(harness);
    const outcome = await runLaunch(harness, 'ehr');
    await outcome.fhir.read('Patient', FAKE_EHR_DATA.patientId);
    await outcome.fhir.search('Observation', { category: 'laboratory' });
    const fhirCalls = seen.filter(
      (request) =>
        request.url.startsWith(`${harness.fake.profile.fhirBaseUrl}/`) &&
        !request.url.includes('.well-known') &&
        !request.url.endsWith('/metadata'),
    );
    expect(fhirCalls.length).toBeGreaterThan(2);
    for (const call of fhirCalls) {
      expect(call.headers.get('authorization')).toBe(
        `Bearer ${outcome.tokenResponse.access_token}`,
      );
      expect(call.headers.get('accept')).toBe('application/fhir+json'); // rows 1, 42
    }
  });

  it('SCOPE-04 / row 15: a v1-registered Oracle app asking v2 gets nothing; asking v1 gets its scopes', async () => {
    const harness = await createHarness('oracle', { scopeDialect: 'v1' });
    const wrong = await runLaunch(harness, 'ehr');
    expect(wrong.context.grantedScopes.some((scope) => scope.startsWith('patient/'))).toBe(false);
    const { adapterFor } = await import('../src/index.js');
    const right = adapterFor('oracle', { scopeDialect: 'v1' });
    expect(
      right.toRequestedScopes(APP_SCOPES, { launch: 'ehr', config: wrong.connection.config }),
    ).toContain('patient/Patient.read');
  });

  it('OIDC-05 / row 24: the id_token is verified against the OIDC issuer, not the FHIR iss', async () => {
    const harness = await createHarness('epic');
    const outcome = await runLaunch(harness, 'ehr');
    expect(outcome.claims?.iss).toBe(vendorProfiles.epic.oidcIssuer);
    const jwks = createLocalJWKSet(harness.fake.jwks());
    const idToken = outcome.tokenResponse.id_token ?? '';
    await expect(
      verifyIdToken(idToken, {
        issuer: vendorProfiles.epic.fhirBaseUrl,
        clientId: CLIENT_ID,
        jwks,
        now: harness.clock.now,
      }),
    ).rejects.toMatchObject({ code: 'wrong_issuer' });
    const [header, payload] = idToken.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(342)}`;
    await expect(
      verifyIdToken(forged, {
        issuer: vendorProfiles.epic.oidcIssuer,
        clientId: CLIENT_ID,
        jwks,
        now: harness.clock.now,
      }),
    ).rejects.toBeInstanceOf(IdTokenError);
  });

  it.each(['epic', 'oracle'] as const)(
    'OIDC-06 / row 23: %s absolute fhirUser re-based onto the FHIR base',
    async (vendor) => {
      const outcome = await runLaunch(await createHarness(vendor), 'ehr');
      expect(outcome.claims?.['fhirUser']).not.toBe(outcome.context.fhirUser?.url);
      expect(outcome.context.fhirUser?.url).toBe(
        `${vendorProfiles[vendor].fhirBaseUrl}/Practitioner/${FAKE_EHR_DATA.practitionerId}`,
      );
    },
  );

  it('STATE-08: the lifecycle refuses to send the token outside the FHIR base', async () => {
    const outcome = await runLaunch(await createHarness('generic'), 'ehr');
    await expect(
      outcome.lifecycle.fetchWithToken(new Request('https://evil.example.org/fhir/Patient/1')),
    ).rejects.toThrow(TypeError);
  });
});

describe('SMART App Launch 2.2 [APP] checklist — refresh and Backend Services', () => {
  it('REFRESH-02 / REFRESH-08: refresh at 80% of the lifetime with a fresh client assertion', async () => {
    const harness = await createHarness('generic');
    const outcome = await runLaunch(harness, 'ehr');
    harness.clock.advance(3600 * 1000 * 0.79);
    await outcome.fhir.read('Patient', FAKE_EHR_DATA.patientId);
    expect(harness.fake.stats.refreshes).toBe(0);
    harness.clock.advance(3600 * 1000 * 0.02);
    await outcome.fhir.read('Patient', FAKE_EHR_DATA.patientId);
    expect(harness.fake.stats.refreshes).toBe(1);
    expect(Object.keys(harness.fake.stats.refreshForms[0] ?? {}).sort()).toEqual([
      'client_assertion',
      'client_assertion_type',
      'grant_type',
      'refresh_token',
    ]);
  });

  it('REFRESH-06: a rotated refresh token replaces the old one and the old one is never reused', async () => {
    const harness = await createHarness('ecw');
    const outcome = await runLaunch(harness, 'ehr');
    for (let i = 0; i < 3; i++) {
      harness.clock.advance(3600 * 1000 * 0.85);
      await outcome.fhir.read('Patient', FAKE_EHR_DATA.patientId);
    }
    const used = harness.fake.stats.refreshForms.map((form) => form['refresh_token']);
    expect(new Set(used).size).toBe(3);
  });

  it('BS-02 / BS-06: client_credentials with a fresh assertion; the token is reused until 80%', async () => {
    const harness = await createHarness('oracle');
    const seen = record(harness);
    const { fhir } = await runBackendServices(harness, ['system/Observation.rs']);
    await fhir.search('Observation', { patient: FAKE_EHR_DATA.patientId });
    await fhir.search('Observation', { patient: FAKE_EHR_DATA.patientId });
    const tokenCalls = () =>
      seen.filter((request) => request.url === harness.fake.profile.tokenUrl);
    expect(tokenCalls()).toHaveLength(1);
    const form = new URLSearchParams(tokenCalls()[0]?.body);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe('system/Observation.rs');
    expect(form.get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    harness.clock.advance(570 * 1000 * 0.81);
    await fhir.search('Observation', { patient: FAKE_EHR_DATA.patientId });
    expect(tokenCalls()).toHaveLength(2);
    expect(new URLSearchParams(tokenCalls()[1]?.body).get('client_assertion')).not.toBe(
      form.get('client_assertion'),
    );
  });

  it('row 31: eCW accepts RS384 assertions only; the adapter says so', async () => {
    const harness = await createHarness('ecw');
    const { adapterFor } = await import('../src/index.js');
    expect(adapterFor('ecw').backend.allowedAlgs).toEqual(['RS384']);
    const { backend } = await runBackendServices(harness, ['system/Patient.rs']);
    expect((await backend.getTokens()).expiresAt).toBe(harness.clock.now() + 300 * 1000);
  });
});
