import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSymmetricClient, expectOAuthError } from '../../test/clients.js';
import { appClientId, startSandbox, type SandboxHarness } from '../../test/harness.js';
import { ehrLaunchTokens, refreshForm, tokenRequest } from '../../test/launch-flow.js';

describe('SMART App Launch 2.2 §refresh — refresh_token grant', () => {
  let sandbox: SandboxHarness;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const fhirRead = (token: string) =>
    fetch(`${sandbox.fhirBaseUrl}/Patient/pat-amy-shaw`, {
      headers: { authorization: `Bearer ${token}` },
    });

  it('REFRESH-01: offline_access yields a refresh_token; without it there is none', async () => {
    const withOffline = await ehrLaunchTokens(sandbox);
    expect(typeof withOffline.body['refresh_token']).toBe('string');
    const without = await ehrLaunchTokens(sandbox, { scope: 'launch patient/*.rs' });
    expect(without.body['refresh_token']).toBeUndefined();
  });

  it('REFRESH-01: online_access is granted in an EHR launch and yields a refresh_token', async () => {
    const { body } = await ehrLaunchTokens(sandbox, { scope: 'launch patient/*.rs online_access' });
    expect(body['scope']).toBe('launch patient/*.rs online_access');
    expect(typeof body['refresh_token']).toBe('string');
  });

  it('REFRESH-03: refresh returns a new access and refresh token, same scope and context, no-store', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    const response = await tokenRequest(sandbox, refreshForm(body['refresh_token'] as string));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const refreshed = (await response.json()) as Record<string, unknown>;
    expect(refreshed).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: body['scope'],
      patient: 'pat-amy-shaw',
      encounter: 'enc-amy-shaw',
    });
    expect(refreshed['refresh_token']).not.toBe(body['refresh_token']);
    expect((await fhirRead(refreshed['access_token'] as string)).status).toBe(200);
  });

  it('REFRESH-04: a narrower scope is granted; a broader one is 400 invalid_scope', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    const narrowed = await tokenRequest(
      sandbox,
      refreshForm(body['refresh_token'] as string, { scope: 'patient/Patient.r offline_access' }),
    );
    const narrowedBody = (await narrowed.json()) as Record<string, unknown>;
    expect(narrowed.status).toBe(200);
    expect(narrowedBody['scope']).toBe('patient/Patient.r offline_access');
    await expectOAuthError(
      await tokenRequest(
        sandbox,
        refreshForm(narrowedBody['refresh_token'] as string, { scope: 'user/*.rs offline_access' }),
      ),
      400,
      'invalid_scope',
      'subset',
    );
  });

  it('REFRESH-06: reusing a rotated refresh token revokes the whole family and its access tokens', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    const first = body['refresh_token'] as string;
    const second = (await (await tokenRequest(sandbox, refreshForm(first))).json()) as Record<
      string,
      string
    >;
    expect((await fhirRead(second['access_token'] as string)).status).toBe(200);
    await expectOAuthError(
      await tokenRequest(sandbox, refreshForm(first)),
      400,
      'invalid_grant',
      'whole grant is now revoked',
    );
    // The newest refresh token of the family and its access token are dead too.
    await expectOAuthError(
      await tokenRequest(sandbox, refreshForm(second['refresh_token'] as string)),
      400,
      'invalid_grant',
      'revoked',
    );
    expect((await fhirRead(second['access_token'] as string)).status).toBe(401);
  });

  it('REFRESH-04: a refresh token presented by another client is 400 invalid_grant', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    const other = await createSymmetricClient(sandbox);
    await expectOAuthError(
      await tokenRequest(sandbox, {
        grant_type: 'refresh_token',
        refresh_token: body['refresh_token'] as string,
        client_id: other.clientId,
        client_secret: other.secret,
      }),
      400,
      'invalid_grant',
      'another client',
    );
  });

  it('REFRESH-05: a bogus refresh token (g10 random UUID) is 400 invalid_grant', async () => {
    await expectOAuthError(
      await tokenRequest(sandbox, refreshForm('5f0c5c1e-9a4b-4b55-8a2e-ffffffffffff')),
      400,
      'invalid_grant',
      'unknown',
    );
  });

  it('REFRESH-05: an expired refresh token is 400 invalid_grant', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    sandbox.clock.now += (sandbox.config.refreshTokenTtlSeconds + 1) * 1000;
    try {
      await expectOAuthError(
        await tokenRequest(sandbox, refreshForm(body['refresh_token'] as string)),
        400,
        'invalid_grant',
        'expired',
      );
    } finally {
      sandbox.clock.now = Date.now();
    }
  });

  it('REFRESH-02: a missing refresh_token is 400 invalid_request', async () => {
    await expectOAuthError(
      await tokenRequest(sandbox, { grant_type: 'refresh_token', client_id: appClientId }),
      400,
      'invalid_request',
      'refresh_token is required',
    );
  });

  it('REFRESH-02: a public client may refresh without client_id (RFC 6749 §6)', async () => {
    const { body } = await ehrLaunchTokens(sandbox);
    const response = await tokenRequest(sandbox, {
      grant_type: 'refresh_token',
      refresh_token: body['refresh_token'] as string,
    });
    expect(response.status).toBe(200);
  });

  it('REFRESH-02: a confidential client refreshing without authentication is 401 invalid_client', async () => {
    const client = await createSymmetricClient(sandbox);
    const { body } = await ehrLaunchTokens(sandbox, {
      clientId: client.clientId,
      scope: 'launch patient/*.rs offline_access',
      auth: { form: { client_secret: client.secret } },
    });
    await expectOAuthError(
      await tokenRequest(sandbox, {
        grant_type: 'refresh_token',
        refresh_token: body['refresh_token'] as string,
      }),
      401,
      'invalid_client',
      'missing',
    );
  });

  it('TOKEN-02: a confidential client refreshes with client_secret_basic', async () => {
    const client = await createSymmetricClient(sandbox);
    const basic = `Basic ${Buffer.from(
      `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`,
    ).toString('base64')}`;
    const { body } = await ehrLaunchTokens(sandbox, {
      clientId: client.clientId,
      scope: 'launch patient/*.rs offline_access',
      auth: { headers: { authorization: basic } },
    });
    const response = await tokenRequest(
      sandbox,
      { grant_type: 'refresh_token', refresh_token: body['refresh_token'] as string },
      { authorization: basic },
    );
    expect(response.status).toBe(200);
  });

  it('Fault injection per launch: "refresh refused" follows the launch into its refresh tokens', async () => {
    const { body } = await ehrLaunchTokens(sandbox, { faults: { refreshRefused: true } });
    await expectOAuthError(
      await tokenRequest(sandbox, refreshForm(body['refresh_token'] as string)),
      400,
      'invalid_grant',
      'Refresh refused',
    );
  });
});
