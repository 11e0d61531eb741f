import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { clientCredentialsForm, expectOAuthError } from '../../test/clients.js';
import { appRedirectUri, startSandbox, type SandboxHarness } from '../../test/harness.js';
import { ehrLaunchTokens, tokenRequest } from '../../test/launch-flow.js';

describe('RFC 7591 dynamic client registration (development)', () => {
  let sandbox: SandboxHarness;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const register = (body: unknown) =>
    fetch(`${sandbox.baseUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('registers a confidential client that then authenticates with its secret', async () => {
    const response = await register({
      client_name: 'Registered app',
      redirect_uris: [appRedirectUri],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'launch patient/*.rs',
    });
    expect(response.status).toBe(201);
    const client = (await response.json()) as Record<string, unknown>;
    expect(client).toMatchObject({
      client_name: 'Registered app',
      redirect_uris: [appRedirectUri],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      client_secret_expires_at: 0,
    });
    const { response: token } = await ehrLaunchTokens(sandbox, {
      clientId: client['client_id'] as string,
      scope: 'launch patient/*.rs',
      auth: { form: { client_secret: client['client_secret'] as string } },
    });
    expect(token.status).toBe(200);
  });

  it('registers a backend service with a JWKS that then gets a client_credentials token', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'dcr-key', alg: 'ES384' };
    const response = await register({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] },
      scope: 'system/Patient.rs',
    });
    const client = (await response.json()) as Record<string, string>;
    expect(response.status).toBe(201);
    expect(client['client_secret']).toBeUndefined();
    expect(client['grant_types']).toEqual(['client_credentials']);
    const clientId = client['client_id'] as string;
    const assertion = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: 'dcr-key' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(`${sandbox.baseUrl}/auth/token`)
      .setExpirationTime('4m')
      .sign(privateKey);
    expect((await tokenRequest(sandbox, clientCredentialsForm(assertion))).status).toBe(200);
  });

  it.each([
    ['a relative redirect URI', { redirect_uris: ['/callback'] }, 'invalid_redirect_uri'],
    [
      'a redirect URI with a fragment',
      { redirect_uris: [`${appRedirectUri}#x`] },
      'invalid_redirect_uri',
    ],
    ['authorization_code without redirect URIs', {}, 'invalid_redirect_uri'],
    [
      'private_key_jwt without keys',
      { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'] },
      'invalid_client_metadata',
    ],
    [
      'an RSA key without n/e (CAUTH-02)',
      {
        token_endpoint_auth_method: 'private_key_jwt',
        grant_types: ['client_credentials'],
        jwks: { keys: [{ kty: 'RSA', kid: 'k' }] },
      },
      'invalid_client_metadata',
    ],
    [
      'an unknown auth method',
      { token_endpoint_auth_method: 'tls_client_auth' },
      'invalid_client_metadata',
    ],
  ])('%s is 400 %s', async (_label, body, error) => {
    await expectOAuthError(await register(body), 400, error);
  });
});
