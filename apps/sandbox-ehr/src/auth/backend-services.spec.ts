import { createServer, type Server } from 'node:http';

import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  clientCredentialsForm,
  createAsymmetricClient,
  createSymmetricClient,
  expectOAuthError,
  JWT_BEARER,
  signAssertion,
  type AsymmetricClient,
} from '../../test/clients.js';
import { appClientId, freePort, startSandbox, type SandboxHarness } from '../../test/harness.js';
import { ehrLaunchTokens, tokenRequest } from '../../test/launch-flow.js';

describe('SMART App Launch 2.2 §backend-services and §client-confidential-asymmetric', () => {
  let sandbox: SandboxHarness;
  let rs384: AsymmetricClient;
  let jwksServer: Server;
  let jwksUrl: string;
  let jwksBody = '{"keys":[]}';

  beforeAll(async () => {
    sandbox = await startSandbox();
    rs384 = await createAsymmetricClient(sandbox);
    const port = await freePort();
    jwksServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(jwksBody);
    });
    await new Promise<void>((resolve) => jwksServer.listen(port, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => jwksServer.close(resolve));
    await sandbox.close();
  });

  const grant = async (client: AsymmetricClient, overrides = {}, scope?: string) =>
    tokenRequest(
      sandbox,
      clientCredentialsForm(await signAssertion(sandbox, client, overrides), scope),
    );

  it('BS-03: an RS384 assertion gets a 300-second system token, no refresh token, no-store', async () => {
    const response = await grant(rs384);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'system/Patient.rs',
    });
    expect(body['refresh_token']).toBeUndefined();
    const read = await fetch(`${sandbox.fhirBaseUrl}/Patient/pat-amy-shaw`, {
      headers: { authorization: `Bearer ${body['access_token'] as string}` },
    });
    expect(read.status).toBe(200);
  });

  it('CAUTH-06: an ES384 assertion is accepted', async () => {
    const es384 = await createAsymmetricClient(sandbox, { alg: 'ES384' });
    expect((await grant(es384)).status).toBe(200);
  });

  it('CAUTH-06: a replayed jti is 401 invalid_client, and the jti is kept in PostgreSQL', async () => {
    const assertion = await signAssertion(sandbox, rs384, { claims: { jti: 'once-only-jti' } });
    expect((await tokenRequest(sandbox, clientCredentialsForm(assertion))).status).toBe(200);
    const stored = await sandbox.prisma.sandboxAssertionJti.findUnique({
      where: { issuer_jti: { issuer: rs384.clientId, jti: 'once-only-jti' } },
    });
    expect(stored).not.toBeNull();
    await expectOAuthError(
      await tokenRequest(sandbox, clientCredentialsForm(assertion)),
      401,
      'invalid_client',
      'jti was already used',
    );
  });

  it('CAUTH-06: jku equal to the registered JWKS URL is fetched and used', async () => {
    const client = await createAsymmetricClient(sandbox, { jwksUrl });
    jwksBody = JSON.stringify({ keys: [client.publicJwk] });
    const response = await grant(client, { header: { jku: jwksUrl } });
    expect(response.status).toBe(200);
  });

  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ['HS256 (CAUTH-07)', 'hs256', 'not accepted'],
    ['alg none (CAUTH-07)', 'none', 'not accepted'],
    ['expired exp', { claims: { exp: now() - 60 } }, 'expired'],
    ['exp more than 5 minutes ahead', { claims: { exp: now() + 600 } }, 'more than 5 minutes'],
    ['missing jti', { claims: { jti: undefined } }, 'no jti'],
    ['missing kid', { header: { kid: undefined } }, 'no kid'],
    ['missing typ', { header: { typ: undefined } }, 'typ'],
    ['iss ≠ sub', { claims: { sub: 'someone-else' } }, 'sub must equal'],
    ['unknown client', { claims: { iss: 'ghost', sub: 'ghost' } }, 'Unknown client'],
    ['wrong aud', { claims: { aud: 'https://elsewhere.example/token' } }, 'aud'],
    ['unknown kid', { header: { kid: 'nope' } }, 'No registered RSA key'],
    ['unregistered jku', { header: { jku: 'https://evil.example/jwks' } }, 'jku'],
    ['wrong signing key', 'wrong-key', 'signature is invalid'],
    ['kty/alg mismatch (ES384 header, RSA key registered)', 'es-header', 'No registered EC key'],
  ])('CAUTH-07: %s is 401 invalid_client', async (_label, change, description) => {
    let assertion: string;
    if (change === 'hs256') {
      assertion = await new SignJWT({ jti: 'x', exp: now() + 60 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: rs384.kid })
        .setIssuer(rs384.clientId)
        .setSubject(rs384.clientId)
        .setAudience(`${sandbox.baseUrl}/auth/token`)
        .sign(new TextEncoder().encode('a-shared-secret-of-sufficient-length!!'));
    } else if (change === 'none') {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      assertion = `${part({ alg: 'none', typ: 'JWT', kid: rs384.kid })}.${part({
        iss: rs384.clientId,
        sub: rs384.clientId,
        aud: `${sandbox.baseUrl}/auth/token`,
        exp: now() + 60,
        jti: 'none-jti',
      })}.`;
    } else if (change === 'wrong-key') {
      const { privateKey } = await generateKeyPair('RS384');
      assertion = await signAssertion(sandbox, rs384, { key: privateKey });
    } else if (change === 'es-header') {
      const { privateKey } = await generateKeyPair('ES384');
      assertion = await signAssertion(sandbox, rs384, { key: privateKey, alg: 'ES384' });
    } else {
      assertion = await signAssertion(sandbox, rs384, change as never);
    }
    await expectOAuthError(
      await tokenRequest(sandbox, clientCredentialsForm(assertion)),
      401,
      'invalid_client',
      description,
    );
  });

  it('CAUTH-07: an unreachable JWKS URL is 401 invalid_client', async () => {
    const client = await createAsymmetricClient(sandbox, {
      jwksUrl: `http://127.0.0.1:${await freePort()}/gone.json`,
    });
    await expectOAuthError(await grant(client), 401, 'invalid_client', 'could not be read');
  });

  it('BS-04: grant_type=not_a_grant_type is 400 unsupported_grant_type', async () => {
    const form = clientCredentialsForm(await signAssertion(sandbox, rs384));
    form['grant_type'] = 'not_a_grant_type';
    await expectOAuthError(await tokenRequest(sandbox, form), 400, 'unsupported_grant_type');
  });

  it('BS-04: client_assertion_type=not_an_assertion_type is 401 invalid_client', async () => {
    const form = clientCredentialsForm(await signAssertion(sandbox, rs384));
    form['client_assertion_type'] = 'not_an_assertion_type';
    await expectOAuthError(await tokenRequest(sandbox, form), 401, 'invalid_client', JWT_BEARER);
  });

  it('BS-05: a scope the client is not pre-authorized for is 400 invalid_scope', async () => {
    await expectOAuthError(
      await grant(rs384, {}, 'system/Patient.rs system/Condition.rs'),
      400,
      'invalid_scope',
      'system/Condition.rs',
    );
  });

  it('BS-05: a missing scope is 400 invalid_scope', async () => {
    const form = clientCredentialsForm(await signAssertion(sandbox, rs384));
    delete form['scope'];
    await expectOAuthError(await tokenRequest(sandbox, form), 400, 'invalid_scope', 'required');
  });

  it('TOKEN-02: client_credentials by a public client is 400 unauthorized_client', async () => {
    await expectOAuthError(
      await tokenRequest(sandbox, {
        grant_type: 'client_credentials',
        scope: 'system/Patient.rs',
        client_id: appClientId,
      }),
      400,
      'unauthorized_client',
      'private_key_jwt',
    );
  });

  it('CAUTH-03: an asymmetric client exchanges a code with private_key_jwt', async () => {
    const client = await createAsymmetricClient(sandbox, { clientType: 'confidential-asymmetric' });
    const assertion = await signAssertion(sandbox, client);
    const { response, body } = await ehrLaunchTokens(sandbox, {
      clientId: client.clientId,
      scope: 'launch patient/*.rs',
      auth: { form: { client_assertion_type: JWT_BEARER, client_assertion: assertion } },
    });
    expect(response.status).toBe(200);
    expect(body['scope']).toBe('launch patient/*.rs');
  });

  describe('CCS-01: confidential symmetric clients', () => {
    it('client_secret_basic (URL-encoded id and secret) gets tokens', async () => {
      const client = await createSymmetricClient(sandbox);
      const basic = Buffer.from(
        `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`,
      ).toString('base64');
      const { response } = await ehrLaunchTokens(sandbox, {
        clientId: client.clientId,
        scope: 'launch patient/*.rs',
        auth: { headers: { authorization: `Basic ${basic}` } },
      });
      expect(response.status).toBe(200);
    });

    it('client_secret_post gets tokens', async () => {
      const client = await createSymmetricClient(sandbox);
      const { response } = await ehrLaunchTokens(sandbox, {
        clientId: client.clientId,
        scope: 'launch patient/*.rs',
        auth: { form: { client_secret: client.secret } },
      });
      expect(response.status).toBe(200);
    });

    it('a wrong secret is 401 invalid_client with a Basic challenge', async () => {
      const client = await createSymmetricClient(sandbox);
      const basic = Buffer.from(`${client.clientId}:wrong`).toString('base64');
      const { response, body } = await ehrLaunchTokens(sandbox, {
        clientId: client.clientId,
        scope: 'launch patient/*.rs',
        auth: { headers: { authorization: `Basic ${basic}` } },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Basic');
      expect(body['error']).toBe('invalid_client');
    });

    it('a missing secret is 401 invalid_client', async () => {
      const client = await createSymmetricClient(sandbox);
      const { response, body } = await ehrLaunchTokens(sandbox, {
        clientId: client.clientId,
        scope: 'launch patient/*.rs',
      });
      expect({ status: response.status, error: body['error'] }).toEqual({
        status: 401,
        error: 'invalid_client',
      });
    });

    it('Basic and client_secret_post together are 400 invalid_request (RFC 6749 §2.3)', async () => {
      const client = await createSymmetricClient(sandbox);
      const basic = Buffer.from(`${client.clientId}:${client.secret}`).toString('base64');
      const { response, body } = await ehrLaunchTokens(sandbox, {
        clientId: client.clientId,
        scope: 'launch patient/*.rs',
        auth: {
          headers: { authorization: `Basic ${basic}` },
          form: { client_secret: client.secret },
        },
      });
      expect({ status: response.status, error: body['error'] }).toEqual({
        status: 400,
        error: 'invalid_request',
      });
    });
  });
});
