import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  clientCredentialsForm,
  createAsymmetricClient,
  createSymmetricClient,
  expectOAuthError,
  signAssertion,
} from '../../test/clients.js';
import { appClientId, startSandbox, type SandboxHarness } from '../../test/harness.js';
import { ehrLaunchTokens, refreshForm, tokenRequest } from '../../test/launch-flow.js';

describe('SMART App Launch 2.2 §token-introspection (RFC 7662) and revocation (RFC 7009)', () => {
  let sandbox: SandboxHarness;
  let callerToken: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    const backend = await createAsymmetricClient(sandbox);
    const response = await tokenRequest(
      sandbox,
      clientCredentialsForm(await signAssertion(sandbox, backend)),
    );
    callerToken = ((await response.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const introspect = (token: string, authorization = `Bearer ${callerToken}`) =>
    fetch(`${sandbox.baseUrl}/auth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization,
      },
      body: new URLSearchParams({ token }),
    });
  const revoke = (form: Record<string, string>) =>
    fetch(`${sandbox.baseUrl}/auth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
  const fhirRead = (token: string) =>
    fetch(`${sandbox.fhirBaseUrl}/Patient/pat-amy-shaw`, {
      headers: { authorization: `Bearer ${token}` },
    });

  it('INTRO-01/02: an active access token reports scope, client, exp and launch context', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    const response = await introspect(body['access_token'] as string);
    expect(response.status).toBe(200);
    const result = (await response.json()) as Record<string, unknown>;
    expect(result).toMatchObject({
      active: true,
      scope: body['scope'],
      client_id: appClientId,
      patient: 'pat-amy-shaw',
      encounter: 'enc-amy-shaw',
      fhirUser: 'Practitioner/practitioner-ann-lee',
      sub: 'ann-lee',
      iss: sandbox.fhirBaseUrl,
    });
    const exp = result['exp'] as number;
    expect(Math.abs(exp - (Math.floor(sandbox.clock.now / 1000) + 3600))).toBeLessThanOrEqual(2);
  });

  it('INTRO-02: an active refresh token is reported too', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    const result = (await (await introspect(body['refresh_token'] as string)).json()) as Record<
      string,
      unknown
    >;
    expect(result).toMatchObject({ active: true, client_id: appClientId, scope: body['scope'] });
  });

  it.each([
    ['an unknown opaque token', 'not-a-token'],
    ['a malformed JWT', 'a.b.c'],
  ])('INTRO-03: %s is exactly {"active": false}', async (_label, token) => {
    const response = await introspect(token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ active: false });
  });

  it('INTRO-03: an expired access token is exactly {"active": false}', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    sandbox.clock.now += 3601_000;
    try {
      const backend = await createSymmetricClient(sandbox);
      const basic = Buffer.from(
        `${encodeURIComponent(backend.clientId)}:${encodeURIComponent(backend.secret)}`,
      ).toString('base64');
      const response = await introspect(body['access_token'] as string, `Basic ${basic}`);
      expect(await response.json()).toEqual({ active: false });
    } finally {
      sandbox.clock.now = Date.now();
    }
  });

  it('INTRO-04: a caller without credentials is 401 invalid_client', async () => {
    const response = await fetch(`${sandbox.baseUrl}/auth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'x' }),
    });
    await expectOAuthError(response, 401, 'invalid_client', 'missing');
  });

  it('INTRO-04: a caller with an inactive Bearer token is 401 invalid_client', async () => {
    await expectOAuthError(
      await introspect('x', 'Bearer junk'),
      401,
      'invalid_client',
      'not active',
    );
  });

  it('INTRO-05: a revoked access token is refused by the FHIR API (401) and inactive', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    const accessToken = body['access_token'] as string;
    expect((await fhirRead(accessToken)).status).toBe(200);
    const response = await revoke({ token: accessToken, client_id: appClientId });
    expect(response.status).toBe(200);
    const read = await fhirRead(accessToken);
    expect(read.status).toBe(401);
    expect(read.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await (await introspect(accessToken)).json()).toEqual({ active: false });
  });

  it('INTRO-05: a revoked refresh token cannot refresh (400 invalid_grant) and its access tokens die', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    expect(
      (
        await revoke({
          token: body['refresh_token'] as string,
          token_type_hint: 'refresh_token',
          client_id: appClientId,
        })
      ).status,
    ).toBe(200);
    await expectOAuthError(
      await tokenRequest(sandbox, refreshForm(body['refresh_token'] as string)),
      400,
      'invalid_grant',
      'revoked',
    );
    expect((await fhirRead(body['access_token'] as string)).status).toBe(401);
  });

  it('INTRO-05: an unknown token is still 200 (RFC 7009 §2.2)', async () => {
    expect((await revoke({ token: 'never-issued', client_id: appClientId })).status).toBe(200);
  });

  it('INTRO-05: another client cannot revoke the token (ignored, 200, token stays valid)', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    const other = await createSymmetricClient(sandbox);
    const response = await revoke({
      token: body['access_token'] as string,
      client_id: other.clientId,
      client_secret: other.secret,
    });
    expect(response.status).toBe(200);
    expect((await fhirRead(body['access_token'] as string)).status).toBe(200);
  });

  it('INTRO-05: revocation without client authentication is 401 invalid_client', async () => {
    await expectOAuthError(await revoke({ token: 'x' }), 401, 'invalid_client', 'missing');
  });
});
