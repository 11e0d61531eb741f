import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { appRedirectUri, startSandbox, type SandboxHarness } from '../../test/harness.js';
import { authorize, createLaunch, pkcePair } from '../../test/launch-flow.js';

function redirectParams(response: Response): URLSearchParams {
  const location = response.headers.get('location');
  if (!location) throw new Error(`expected a redirect, got ${response.status}`);
  const url = new URL(location);
  expect(`${url.origin}${url.pathname}`).toBe(appRedirectUri);
  return url.searchParams;
}

describe('SMART App Launch 2.2 §authorize — sandbox authorization endpoint', () => {
  let sandbox: SandboxHarness;
  let launch: string;
  const { challenge } = pkcePair();

  beforeAll(async () => {
    sandbox = await startSandbox();
    launch = await createLaunch(sandbox);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('AUTHZ-06: redirects to the registered redirect URI with a code and the exact state', async () => {
    const state = 'S+t/a=t e&ü';
    const response = await authorize(sandbox, { launch, challenge, state });
    expect(response.status).toBe(302);
    const params = redirectParams(response);
    expect(params.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')).toBe(state);
  });

  it('AUTHZ-01: accepts the same request by POST', async () => {
    const { authorizeParams } = await import('../../test/launch-flow.js');
    const response = await fetch(`${sandbox.baseUrl}/auth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: authorizeParams(sandbox, { launch, challenge }),
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(redirectParams(response).get('code')).toBeTruthy();
  });

  it.each([
    ['unknown client_id', { client_id: 'nobody' }, 'Unknown client'],
    ['missing client_id', { client_id: undefined }, 'Missing client_id'],
    [
      'unregistered redirect_uri',
      { redirect_uri: 'https://evil.example/callback' },
      'Unregistered redirect_uri',
    ],
    [
      'redirect_uri differing by a trailing slash',
      { redirect_uri: `${appRedirectUri}/` },
      'Unregistered redirect_uri',
    ],
    ['missing redirect_uri', { redirect_uri: undefined }, 'Missing redirect_uri'],
  ])('AUTHZ-04: %s shows a 400 page and never redirects', async (_label, overrides, title) => {
    const response = await authorize(sandbox, { launch, challenge, overrides });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain(title);
  });

  it.each([
    [
      'response_type token',
      { response_type: 'token' },
      'unsupported_response_type',
      'response_type must be "code"',
    ],
    [
      'PKCE plain (PKCE-02)',
      { code_challenge_method: 'plain' },
      'invalid_request',
      'plain is not supported',
    ],
    [
      'no code_challenge_method',
      { code_challenge_method: undefined },
      'invalid_request',
      'code_challenge_method must be S256',
    ],
    [
      'no code_challenge (PKCE-06)',
      { code_challenge: undefined },
      'invalid_request',
      'code_challenge must be',
    ],
    [
      'short code_challenge',
      { code_challenge: 'abc' },
      'invalid_request',
      'code_challenge must be',
    ],
    [
      'wrong aud (AUTHZ-03)',
      { aud: 'https://inferno.healthit.gov/invalid_aud' },
      'invalid_target',
      'is not this FHIR server',
    ],
    ['aud with a trailing slash', { aud: 'TRAILING' }, 'invalid_target', 'is not this FHIR server'],
    [
      'forged launch (LAUNCH-04)',
      { launch: 'forged-launch-value' },
      'invalid_request',
      'launch is unknown',
    ],
    [
      'no launch scope',
      { scope: 'openid fhirUser patient/Patient.rs' },
      'invalid_scope',
      'must request the "launch" scope',
    ],
  ])(
    'AUTHZ-05: %s redirects with the error and echoes state',
    async (_label, overrides, error, description) => {
      const resolved = { ...overrides } as Record<string, string | undefined>;
      if (resolved['aud'] === 'TRAILING') resolved['aud'] = `${sandbox.fhirBaseUrl}/`;
      const scope = resolved['scope'];
      delete resolved['scope'];
      const response = await authorize(sandbox, {
        launch,
        challenge,
        state: 'echo-me',
        ...(scope ? { scope } : {}),
        overrides: resolved,
      });
      expect(response.status).toBe(302);
      const params = redirectParams(response);
      expect(params.get('code')).toBeNull();
      expect(params.get('error')).toBe(error);
      expect(params.get('error_description')).toContain(description);
      expect(params.get('state')).toBe('echo-me');
    },
  );

  it('LAUNCH-04: an expired launch yields no code', async () => {
    const expiring = await createLaunch(sandbox);
    sandbox.clock.now += (sandbox.config.launchTtlSeconds + 1) * 1000;
    try {
      const params = redirectParams(await authorize(sandbox, { launch: expiring, challenge }));
      expect(params.get('error')).toBe('invalid_request');
      expect(params.get('error_description')).toContain('expired');
    } finally {
      sandbox.clock.now = Date.now();
    }
  });

  it('STATE: a missing state is refused', async () => {
    const response = await authorize(sandbox, {
      launch,
      challenge,
      overrides: { state: undefined },
    });
    const params = redirectParams(response);
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toContain('state is required');
    expect(params.has('state')).toBe(false);
  });
});
