import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';

import { T0, countingRandom, formOf, testKey } from '../test/fixtures.js';
import { CLIENT_ASSERTION_TYPE, createClientAssertion } from './client-assertion.js';
import {
  basicAuthorization,
  buildAuthorizationCodeRequest,
  buildClientCredentialsRequest,
  buildRefreshTokenRequest,
} from './token-request.js';

import type { ClientAuthentication } from './token-request.js';

const TOKEN = 'https://ehr.example.org/auth/token';
const now = () => T0;
const code = {
  tokenEndpoint: TOKEN,
  code: 'SplxlOBeZQQYbYS6WxSbIA',
  redirectUri: 'https://app/after-auth',
  codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  now,
};

function expectFormPost(request: Request) {
  expect(request.method).toBe('POST');
  expect(request.url).toBe(TOKEN);
  expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
  expect(request.headers.get('accept')).toBe('application/json');
}

describe('SMART App Launch 2.2 §app-launch step 5 — token request (TOKEN-01, TOKEN-02)', () => {
  it('public client: form body with client_id and no Authorization header', async () => {
    const request = await buildAuthorizationCodeRequest({
      ...code,
      client: { method: 'none', clientId: 'app-client-id' },
    });
    expectFormPost(request);
    expect(request.headers.has('authorization')).toBe(false);
    expect(await request.text()).toBe(
      'grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA' +
        '&redirect_uri=https%3A%2F%2Fapp%2Fafter-auth' +
        '&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=app-client-id',
    );
  });

  it('form-encodes a code with reserved characters (client-js sent it raw)', async () => {
    const request = await buildAuthorizationCodeRequest({
      ...code,
      code: 'a+b/c=d&e',
      client: { method: 'none', clientId: 'x' },
    });
    expect((await formOf(request))['code']).toBe('a+b/c=d&e');
  });

  it('CAUTH-01: symmetric client uses Basic with the IG example value', async () => {
    const request = await buildAuthorizationCodeRequest({
      ...code,
      client: {
        method: 'client_secret_basic',
        clientId: 'my-app',
        clientSecret: 'my-app-secret-123',
      },
    });
    expectFormPost(request);
    expect(request.headers.get('authorization')).toBe('Basic bXktYXBwOm15LWFwcC1zZWNyZXQtMTIz');
    expect(Object.keys(await formOf(request))).toEqual([
      'grant_type',
      'code',
      'redirect_uri',
      'code_verifier',
    ]);
  });

  it.each([
    ['id with space', 'my app', 's3cret', 'my+app:s3cret'],
    ['secret with colon and plus', 'app', 'a:b+c', 'app:a%3Ab%2Bc'],
    ['non-ASCII', 'appé', 'ü', 'app%C3%A9:%C3%BC'],
  ])('RFC 6749 §2.3.1: form-encodes %s before base64', (_label, id, secret, encoded) => {
    expect(basicAuthorization(id, secret)).toBe(`Basic ${btoa(encoded)}`);
  });

  it('client_secret_post puts id and secret in the body', async () => {
    const request = await buildAuthorizationCodeRequest({
      ...code,
      client: { method: 'client_secret_post', clientId: 'app', clientSecret: 's' },
    });
    expect(request.headers.has('authorization')).toBe(false);
    expect(await formOf(request)).toMatchObject({ client_id: 'app', client_secret: 's' });
  });

  it.each(['RS384', 'ES384'] as const)(
    'CAUTH-04/05: private_key_jwt with %s — header, claims, lifetime, signature',
    async (alg) => {
      const key = await testKey(alg, 'client-key');
      const request = await buildAuthorizationCodeRequest({
        ...code,
        client: {
          method: 'private_key_jwt',
          clientId: 'bs-client',
          privateKey: key.privateKey,
          kid: 'client-key',
          alg,
          jku: 'https://app/.well-known/jwks.json',
        },
      });
      expectFormPost(request);
      const form = await formOf(request);
      expect(form['client_assertion_type']).toBe(CLIENT_ASSERTION_TYPE);
      expect(form['client_id']).toBeUndefined();
      const assertion = form['client_assertion'] as string;
      expect(decodeProtectedHeader(assertion)).toEqual({
        alg,
        kid: 'client-key',
        typ: 'JWT',
        jku: 'https://app/.well-known/jwks.json',
      });
      const { payload } = await jwtVerify(assertion, key.publicKey, {
        currentDate: new Date(T0),
        algorithms: [alg],
      });
      expect(payload).toMatchObject({
        iss: 'bs-client',
        sub: 'bs-client',
        aud: TOKEN,
        iat: T0 / 1000,
        exp: T0 / 1000 + 240,
      });
      expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);
    },
  );

  it('CAUTH-05: every assertion has a fresh jti; jku is omitted unless configured', async () => {
    const key = await testKey('ES384', 'client-key');
    const params = {
      clientId: 'c',
      tokenEndpoint: TOKEN,
      privateKey: key.privateKey,
      kid: 'client-key',
      alg: 'ES384' as const,
      now,
    };
    const jtis = new Set<unknown>();
    for (let i = 0; i < 20; i++) {
      const jwt = await createClientAssertion(params);
      jtis.add((await jwtVerify(jwt, key.publicKey, { currentDate: new Date(T0) })).payload.jti);
      expect(decodeProtectedHeader(jwt).jku).toBeUndefined();
    }
    expect(jtis.size).toBe(20);
  });

  it('uses the injected random source for jti', async () => {
    const key = await testKey('ES384', 'client-key');
    const jwt = await createClientAssertion({
      clientId: 'c',
      tokenEndpoint: TOKEN,
      privateKey: key.privateKey,
      kid: 'client-key',
      alg: 'ES384',
      now,
      random: countingRandom(),
    });
    const { payload } = await jwtVerify(jwt, key.publicKey, { currentDate: new Date(T0) });
    expect(payload.jti).toBe('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
  });

  it.each([0, 301, Number.NaN])('CAUTH-05: rejects an assertion lifetime of %s s', async (life) => {
    const key = await testKey('ES384', 'client-key');
    await expect(
      createClientAssertion({
        clientId: 'c',
        tokenEndpoint: TOKEN,
        privateKey: key.privateKey,
        kid: 'k',
        alg: 'ES384',
        lifetimeSeconds: life,
      }),
    ).rejects.toThrow('client assertion lifetime must be between 1 and 300 seconds');
  });

  it.each(['code', 'redirectUri', 'codeVerifier', 'tokenEndpoint'] as const)(
    'rejects an empty %s',
    async (field) => {
      await expect(
        buildAuthorizationCodeRequest({
          ...code,
          [field]: '',
          client: { method: 'none', clientId: 'x' },
        }),
      ).rejects.toThrow(`${field} is required`);
    },
  );
});

describe('SMART App Launch 2.2 §app-launch step 7 — refresh request (REFRESH-02, REFRESH-08)', () => {
  it('public client sends client_id; scope only when narrowing', async () => {
    const client: ClientAuthentication = { method: 'none', clientId: 'app' };
    const plain = await buildRefreshTokenRequest({
      tokenEndpoint: TOKEN,
      refreshToken: 'rt',
      client,
    });
    expectFormPost(plain);
    expect(await plain.text()).toBe('grant_type=refresh_token&refresh_token=rt&client_id=app');
    const narrowed = await buildRefreshTokenRequest({
      tokenEndpoint: TOKEN,
      refreshToken: 'rt',
      scope: 'patient/Patient.rs',
      client,
    });
    expect(await formOf(narrowed)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt',
      scope: 'patient/Patient.rs',
      client_id: 'app',
    });
  });

  it('asymmetric client sends a fresh assertion on refresh', async () => {
    const key = await testKey('RS384', 'client-key');
    const request = await buildRefreshTokenRequest({
      tokenEndpoint: TOKEN,
      refreshToken: 'rt',
      client: {
        method: 'private_key_jwt',
        clientId: 'c',
        privateKey: key.privateKey,
        kid: 'client-key',
        alg: 'RS384',
      },
      now,
    });
    const form = await formOf(request);
    expect(form['client_assertion_type']).toBe(CLIENT_ASSERTION_TYPE);
    await expect(
      jwtVerify(form['client_assertion'] as string, key.publicKey, { currentDate: new Date(T0) }),
    ).resolves.toBeTruthy();
  });

  it('rejects an empty refresh token', async () => {
    await expect(
      buildRefreshTokenRequest({
        tokenEndpoint: TOKEN,
        refreshToken: '',
        client: { method: 'none', clientId: 'x' },
      }),
    ).rejects.toThrow('refreshToken is required');
  });
});

describe('SMART App Launch 2.2 §backend-services — client_credentials request (BS-02)', () => {
  it('sends grant_type, scope and an assertion', async () => {
    const key = await testKey('ES384', 'client-key');
    const request = await buildClientCredentialsRequest({
      tokenEndpoint: TOKEN,
      scope: 'system/*.rs',
      client: {
        method: 'private_key_jwt',
        clientId: 'c',
        privateKey: key.privateKey,
        kid: 'client-key',
        alg: 'ES384',
      },
      now,
    });
    expectFormPost(request);
    const form = await formOf(request);
    expect(Object.keys(form)).toEqual([
      'grant_type',
      'scope',
      'client_assertion_type',
      'client_assertion',
    ]);
    expect(form).toMatchObject({ grant_type: 'client_credentials', scope: 'system/*.rs' });
  });

  it('rejects a public client and an empty scope', async () => {
    await expect(
      buildClientCredentialsRequest({
        tokenEndpoint: TOKEN,
        scope: 'system/*.rs',
        client: { method: 'none', clientId: 'x' },
      }),
    ).rejects.toThrow('client_credentials requires an authenticated (confidential) client');
    await expect(
      buildClientCredentialsRequest({
        tokenEndpoint: TOKEN,
        scope: '',
        client: { method: 'client_secret_basic', clientId: 'x', clientSecret: 'y' },
      }),
    ).rejects.toThrow('scope is required');
  });
});
