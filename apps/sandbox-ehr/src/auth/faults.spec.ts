import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  clientCredentialsForm,
  createAsymmetricClient,
  createSymmetricClient,
  expectOAuthError,
  signAssertion,
} from '../../test/clients.js';
import { appClientId, startSandbox, type SandboxHarness } from '../../test/harness.js';
import {
  authorize,
  createLaunchFor,
  ehrLaunchTokens,
  pkcePair,
  refreshForm,
  tokenRequest,
} from '../../test/launch-flow.js';

describe("Fault injection — development API, launcher, and the reference launcher's simulated errors", () => {
  let sandbox: SandboxHarness;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const putFaults = (clientId: string, body: unknown) =>
    fetch(`${sandbox.baseUrl}/auth/dev/clients/${clientId}/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** A symmetric client with `faults`, and an EHR launch token request for it. */
  async function clientWithFaults(faults: object) {
    const client = await createSymmetricClient(sandbox);
    expect((await putFaults(client.clientId, faults)).status).toBe(200);
    const run = (scope = 'launch patient/*.rs offline_access') =>
      ehrLaunchTokens(sandbox, {
        clientId: client.clientId,
        scope,
        auth: { form: { client_secret: client.secret } },
      });
    return { client, run };
  }

  describe('the HTTP API', () => {
    it('PUT, GET and DELETE /auth/dev/clients/:id/faults', async () => {
      const client = await createSymmetricClient(sandbox);
      const url = `${sandbox.baseUrl}/auth/dev/clients/${client.clientId}/faults`;
      expect(await (await putFaults(client.clientId, { latencyMs: 5 })).json()).toEqual({
        latencyMs: 5,
      });
      expect(await (await fetch(url)).json()).toEqual({ latencyMs: 5 });
      expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
      expect(await (await fetch(url)).json()).toEqual({});
    });

    it('an unknown fault field is 400 invalid_request; an unknown client is 404', async () => {
      await expectOAuthError(
        await putFaults(appClientId, { explode: true }),
        400,
        'invalid_request',
        'explode',
      );
      expect((await putFaults('nobody', {})).status).toBe(404);
    });
  });

  describe('what real EHRs do', () => {
    it('token endpoint 500 → 500 server_error', async () => {
      const { run } = await clientWithFaults({ tokenEndpointStatus: 500 });
      const { response, body } = await run();
      expect({ status: response.status, error: body['error'] }).toEqual({
        status: 500,
        error: 'server_error',
      });
    });

    it('token endpoint 503 → 503 temporarily_unavailable with Retry-After', async () => {
      const { run } = await clientWithFaults({ tokenEndpointStatus: 503 });
      const { response, body } = await run();
      expect({ status: response.status, error: body['error'] }).toEqual({
        status: 503,
        error: 'temporarily_unavailable',
      });
      expect(response.headers.get('retry-after')).toBe('30');
    });

    it('time-out: the token endpoint never answers and drops the connection', async () => {
      const { run } = await clientWithFaults({ tokenEndpointTimeoutMs: 200 });
      await expect(run()).rejects.toThrow();
    });

    it('added latency delays the answer', async () => {
      const { run } = await clientWithFaults({ latencyMs: 400 });
      const started = Date.now();
      const { response } = await run();
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    });

    it('very short access tokens: expires_in 10, refused by the FHIR API 11 s later', async () => {
      const { run } = await clientWithFaults({ accessTokenTtlSeconds: 10 });
      const { body } = await run();
      expect(body['expires_in']).toBe(10);
      sandbox.clock.now += 11_000;
      try {
        const read = await fetch(`${sandbox.fhirBaseUrl}/Patient/pat-amy-shaw`, {
          headers: { authorization: `Bearer ${body['access_token'] as string}` },
        });
        expect(read.status).toBe(401);
        expect(read.headers.get('www-authenticate')).toContain('expired');
      } finally {
        sandbox.clock.now = Date.now();
      }
    });

    it('refresh refused → 400 invalid_grant', async () => {
      const { client, run } = await clientWithFaults({ refreshRefused: true });
      const { body } = await run();
      await expectOAuthError(
        await tokenRequest(sandbox, {
          grant_type: 'refresh_token',
          refresh_token: body['refresh_token'] as string,
          client_id: client.clientId,
          client_secret: client.secret,
        }),
        400,
        'invalid_grant',
        'Refresh refused',
      );
    });
  });

  describe("the reference launcher's simulated errors", () => {
    it.each([
      ['auth_invalid_client_id', 'Unknown client'],
      ['auth_invalid_redirect_uri', 'Unregistered redirect_uri'],
    ])(
      '%s: the authorize endpoint shows an error page (400), never redirects',
      async (error, title) => {
        const launch = await createLaunchFor(sandbox, appClientId, {
          faults: { simulatedError: error },
        });
        const response = await authorize(sandbox, { launch, challenge: pkcePair().challenge });
        expect(response.status).toBe(400);
        expect(response.headers.get('location')).toBeNull();
        expect(await response.text()).toContain(title);
      },
    );

    it('auth_invalid_scope: redirect with invalid_scope', async () => {
      const launch = await createLaunchFor(sandbox, appClientId, {
        faults: { simulatedError: 'auth_invalid_scope' },
      });
      const response = await authorize(sandbox, { launch, challenge: pkcePair().challenge });
      const back = new URL(response.headers.get('location') ?? '');
      expect(back.searchParams.get('error')).toBe('invalid_scope');
      expect(back.searchParams.get('state')).toBe('state-123');
    });

    it('auth_invalid_client_secret: 401 invalid_client', async () => {
      const { run } = await clientWithFaults({ simulatedError: 'auth_invalid_client_secret' });
      const { response, body } = await run();
      expect({ status: response.status, error: body['error'] }).toEqual({
        status: 401,
        error: 'invalid_client',
      });
    });

    it('token_invalid_token: 401 invalid_client', async () => {
      const { response, body } = await ehrLaunchTokens(sandbox, {
        faults: { simulatedError: 'token_invalid_token' },
      });
      expect({ status: response.status, error: body['error'] }).toEqual({
        status: 401,
        error: 'invalid_client',
      });
    });

    it('token_expired_refresh_token: refresh is 400 invalid_grant', async () => {
      const { body } = await ehrLaunchTokens(sandbox, {
        faults: { simulatedError: 'token_expired_refresh_token' },
      });
      await expectOAuthError(
        await tokenRequest(sandbox, refreshForm(body['refresh_token'] as string)),
        400,
        'invalid_grant',
        'Expired refresh token',
      );
    });

    it.each([
      ['token_expired_registration_token', 401, 'invalid_client'],
      ['token_invalid_jti', 401, 'invalid_client'],
      ['token_invalid_scope', 400, 'invalid_scope'],
    ])('%s: backend token request is %i %s', async (error, status, code) => {
      const client = await createAsymmetricClient(sandbox);
      await putFaults(client.clientId, { simulatedError: error });
      await expectOAuthError(
        await tokenRequest(sandbox, clientCredentialsForm(await signAssertion(sandbox, client))),
        status,
        code,
        'simulated',
      );
    });

    it.each([
      ['request_invalid_token', 'Invalid token'],
      ['request_expired_token', 'Token expired'],
    ])('%s: the FHIR API answers 401 invalid_token', async (error, reason) => {
      const { body } = await ehrLaunchTokens(sandbox, { faults: { simulatedError: error } });
      const read = await fetch(`${sandbox.fhirBaseUrl}/Patient/pat-amy-shaw`, {
        headers: { authorization: `Bearer ${body['access_token'] as string}` },
      });
      expect(read.status).toBe(401);
      expect(read.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(read.headers.get('www-authenticate')).toContain(reason);
    });
  });

  describe('the launcher UI', () => {
    it('LAUNCH-01: the EHR frame opens the app with iss (the FHIR base) and an opaque launch', async () => {
      const response = await fetch(`${sandbox.baseUrl}/launcher/launch`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ patientId: 'pat-amy-shaw', clientId: appClientId }),
        redirect: 'manual',
      });
      const page = await (
        await fetch(new URL(response.headers.get('location') ?? '', sandbox.baseUrl))
      ).text();
      const src = /<iframe[^>]+src="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&') ?? '';
      const url = new URL(src);
      expect(url.searchParams.get('iss')).toBe(sandbox.fhirBaseUrl);
      expect(url.searchParams.get('launch')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    });

    it('offers the vendor profiles and faults, and binds the choice to the launch', async () => {
      const page = await (await fetch(`${sandbox.baseUrl}/`)).text();
      expect(page).toContain('<option value="epic">epic</option>');
      expect(page).toContain('value="token_503"');
      const response = await fetch(`${sandbox.baseUrl}/launcher/launch`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          patientId: 'pat-amy-shaw',
          clientId: appClientId,
          profile: 'oracle',
          fault: 'token_503',
        }),
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
      const launchId = (response.headers.get('location') ?? '').split('/').at(-1) ?? '';
      const launch = await sandbox.prisma.sandboxLaunch.findUniqueOrThrow({
        where: { id: launchId },
      });
      expect(launch.profile).toBe('oracle');
      expect(launch.faults).toEqual({ tokenEndpointStatus: 503 });
    });
  });
});
