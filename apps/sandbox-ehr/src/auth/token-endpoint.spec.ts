import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  appClientId,
  appRedirectUri,
  startSandbox,
  type SandboxHarness,
} from '../../test/harness.js';
import { codeExchangeForm, obtainCode, tokenRequest } from '../../test/launch-flow.js';

async function expectOAuthError(
  response: Response,
  status: number,
  error: string,
  description: string,
): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const body = (await response.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  expect(body.error_description).toContain(description);
}

describe('SMART App Launch 2.2 §token — authorization_code grant at the sandbox', () => {
  let sandbox: SandboxHarness;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('TOKEN-03/04, OIDC-01..03: returns tokens, context and a verifiable id_token, never cached', async () => {
    const { code, verifier } = await obtainCode(sandbox, { patientId: 'pat-omar-haddad' });
    const response = await tokenRequest(sandbox, codeExchangeForm(code, verifier));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'launch openid fhirUser patient/Patient.rs',
      patient: 'pat-omar-haddad',
      encounter: 'enc-omar-haddad',
      need_patient_banner: false,
      smart_style_url: `${sandbox.baseUrl}/smart-style.json`,
    });
    expect(typeof body['access_token']).toBe('string');
    expect(body['refresh_token']).toBeUndefined();

    const jwks = (await (await fetch(`${sandbox.baseUrl}/auth/jwks`)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys.every((key) => key['kid'] && !('d' in key))).toBe(true);
    const { payload, protectedHeader } = await jwtVerify(
      body['id_token'] as string,
      createLocalJWKSet(jwks as never),
      { issuer: sandbox.fhirBaseUrl, audience: appClientId },
    );
    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader.kid).toBe(jwks.keys[0]?.['kid']);
    expect(payload['fhirUser']).toBe('Practitioner/practitioner-ann-lee');
    // OIDC-07: the legacy `profile` claim twins fhirUser.
    expect(payload['profile']).toBe('Practitioner/practitioner-ann-lee');
    expect(payload['nonce']).toBe('nonce-abc');
    expect(payload.sub).toBe('ann-lee');
  });

  it('SCOPE-04: grants only what the app may have, and says so in `scope`', async () => {
    const { code, verifier } = await obtainCode(sandbox, {
      scope: 'launch patient/Patient.rs system/*.cruds',
    });
    const body = (await (await tokenRequest(sandbox, codeExchangeForm(code, verifier))).json()) as {
      scope: string;
      refresh_token?: string;
    };
    expect(body.scope).toBe('launch patient/Patient.rs');
    expect(body.refresh_token).toBeUndefined();
    expect(decodeJwt((body as unknown as { access_token: string }).access_token)['scope']).toBe(
      'launch patient/Patient.rs',
    );
  });

  it('SCOPE-03: an out-of-order permission string (.dus) is never granted verbatim', async () => {
    const { code, verifier } = await obtainCode(sandbox, {
      scope: 'launch patient/Observation.dus patient/Patient.rs',
    });
    const body = (await (await tokenRequest(sandbox, codeExchangeForm(code, verifier))).json()) as {
      scope: string;
    };
    expect(body.scope).toBe('launch patient/Patient.rs');
  });

  it('AUTHZ-07: a code works once; the second use is 400 invalid_grant', async () => {
    const { code, verifier } = await obtainCode(sandbox);
    expect((await tokenRequest(sandbox, codeExchangeForm(code, verifier))).status).toBe(200);
    await expectOAuthError(
      await tokenRequest(sandbox, codeExchangeForm(code, verifier)),
      400,
      'invalid_grant',
      'already used',
    );
  });

  it('AUTHZ-07: an expired code is 400 invalid_grant', async () => {
    const { code, verifier } = await obtainCode(sandbox);
    sandbox.clock.now += (sandbox.config.codeTtlSeconds + 1) * 1000;
    try {
      await expectOAuthError(
        await tokenRequest(sandbox, codeExchangeForm(code, verifier)),
        400,
        'invalid_grant',
        'expired',
      );
    } finally {
      sandbox.clock.now = Date.now();
    }
  });

  it('TOKEN-07: an unknown code (g10 BAD_CODE) is exactly 400 invalid_grant', async () => {
    const { verifier } = await obtainCode(sandbox);
    await expectOAuthError(
      await tokenRequest(sandbox, codeExchangeForm('BAD_CODE', verifier)),
      400,
      'invalid_grant',
      'unknown',
    );
  });

  it.each([
    [
      'wrong verifier (PKCE-03)',
      'wrong',
      400,
      'invalid_grant',
      'does not match the code_challenge',
    ],
    [
      'verifier equal to the challenge (PKCE-04d)',
      'challenge',
      400,
      'invalid_grant',
      'does not match the code_challenge',
    ],
    ['no verifier (PKCE-04a)', 'none', 400, 'invalid_request', 'code_verifier is required'],
    ['blank verifier (PKCE-04b)', 'blank', 400, 'invalid_request', 'code_verifier is required'],
    ['malformed verifier (PKCE-05)', 'short', 400, 'invalid_request', '43-128 characters'],
  ])('PKCE: %s', async (_label, kind, status, error, description) => {
    const { code, verifier } = await obtainCode(sandbox);
    const form = codeExchangeForm(code, verifier);
    const { createHash } = await import('node:crypto');
    if (kind === 'wrong')
      form['code_verifier'] = `${verifier.slice(0, -1)}${verifier.endsWith('A') ? 'B' : 'A'}`;
    if (kind === 'challenge')
      form['code_verifier'] = createHash('sha256').update(verifier).digest('base64url');
    if (kind === 'none') delete form['code_verifier'];
    if (kind === 'blank') form['code_verifier'] = '';
    if (kind === 'short') form['code_verifier'] = 'abc';
    await expectOAuthError(await tokenRequest(sandbox, form), status, error, description);
  });

  it('RFC 7636 §4.6: a failed verifier burns the code', async () => {
    const { code, verifier } = await obtainCode(sandbox);
    const wrong = { ...codeExchangeForm(code, verifier), code_verifier: 'x'.repeat(43) };
    await expectOAuthError(
      await tokenRequest(sandbox, wrong),
      400,
      'invalid_grant',
      'does not match',
    );
    await expectOAuthError(
      await tokenRequest(sandbox, codeExchangeForm(code, verifier)),
      400,
      'invalid_grant',
      'already used',
    );
  });

  it('TOKEN-07: a redirect_uri differing from the authorization request is 400 invalid_grant', async () => {
    const { code, verifier } = await obtainCode(sandbox);
    const form = { ...codeExchangeForm(code, verifier), redirect_uri: `${appRedirectUri}?x=1` };
    await expectOAuthError(
      await tokenRequest(sandbox, form),
      400,
      'invalid_grant',
      'redirect_uri does not match',
    );
  });

  it('TOKEN-07: an unknown client_id is 401 invalid_client', async () => {
    const { code, verifier } = await obtainCode(sandbox);
    const form = { ...codeExchangeForm(code, verifier), client_id: 'BAD_CLIENT_ID' };
    await expectOAuthError(
      await tokenRequest(sandbox, form),
      401,
      'invalid_client',
      'Unknown client',
    );
  });

  it('TOKEN-07: Basic credentials for an unknown client answer 401 with a challenge', async () => {
    const response = await tokenRequest(
      sandbox,
      {
        grant_type: 'authorization_code',
        code: 'x',
        redirect_uri: appRedirectUri,
        code_verifier: 'v'.repeat(43),
      },
      { authorization: `Basic ${Buffer.from('ghost:secret').toString('base64')}` },
    );
    expect(response.headers.get('www-authenticate')).toContain('Basic');
    await expectOAuthError(response, 401, 'invalid_client', 'Unknown client');
  });

  it('TOKEN-02: a public client that sends a secret is refused', async () => {
    const { code, verifier } = await obtainCode(sandbox);
    const form = { ...codeExchangeForm(code, verifier), client_secret: 'guess' };
    await expectOAuthError(
      await tokenRequest(sandbox, form),
      401,
      'invalid_client',
      'do not authenticate with a secret',
    );
  });

  it('TOKEN-07: an unknown grant_type is 400 unsupported_grant_type; none is invalid_request', async () => {
    await expectOAuthError(
      await tokenRequest(sandbox, { grant_type: 'password', client_id: appClientId }),
      400,
      'unsupported_grant_type',
      'password',
    );
    await expectOAuthError(
      await tokenRequest(sandbox, { client_id: appClientId }),
      400,
      'invalid_request',
      'grant_type is required',
    );
  });

  it('TOKEN-01: a JSON body is 400 invalid_request', async () => {
    const response = await fetch(`${sandbox.baseUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code' }),
    });
    await expectOAuthError(response, 400, 'invalid_request', 'x-www-form-urlencoded');
  });

  it('TOKEN-05: answers cross-origin requests from browser apps', async () => {
    const response = await tokenRequest(
      sandbox,
      { grant_type: 'password' },
      { origin: 'http://app.example' },
    );
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
