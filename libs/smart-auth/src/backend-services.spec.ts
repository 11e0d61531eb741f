import { jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { T0, createClock, expectError, testKey } from '../test/fixtures.js';
import { BackendServicesClient } from './backend-services.js';
import { CLIENT_ASSERTION_TYPE } from './client-assertion.js';
import { InvalidClientError, InvalidScopeError } from './errors.js';
import { createStrictFetch, jsonResponse } from './testing/fake-fetch.js';

import type { TestKey } from '../test/fixtures.js';
import type { ExpectedRequest } from './testing/fake-fetch.js';

const TOKEN_URL = 'https://ehr.example.org/auth/token';
const FHIR = 'https://ehr.example.org/fhir';
let key: TestKey;
const jtis: unknown[] = [];

beforeAll(async () => {
  key = await testKey('ES384', 'bs-key');
});

function tokenRequest(respond: ExpectedRequest['respond']): ExpectedRequest {
  return {
    method: 'POST',
    url: TOKEN_URL,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    absentHeaders: ['authorization'],
    body: {
      grant_type: 'client_credentials',
      scope: 'system/*.rs',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: /^ey/,
    },
    respond: async (request) => {
      const form = new URLSearchParams(await request.clone().text());
      const { payload } = await jwtVerify(form.get('client_assertion') ?? '', key.publicKey, {
        audience: TOKEN_URL,
        issuer: 'bulk-client',
        subject: 'bulk-client',
        currentDate: new Date(T0),
        clockTolerance: 3600,
      });
      jtis.push(payload.jti);
      return typeof respond === 'function' ? respond(request) : respond;
    },
  };
}

function token(accessToken: string, expiresIn: number | undefined = 300) {
  return () =>
    jsonResponse({
      access_token: accessToken,
      token_type: 'bearer',
      scope: 'system/*.rs',
      ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
    });
}

function setup() {
  const clock = createClock();
  const fetch = createStrictFetch();
  const client = new BackendServicesClient({
    tokenEndpoint: TOKEN_URL,
    client: {
      method: 'private_key_jwt',
      clientId: 'bulk-client',
      privateKey: key.privateKey,
      kid: 'bs-key',
      alg: 'ES384',
    },
    scope: 'system/*.rs',
    fetch,
    now: clock.now,
  });
  return { clock, fetch, client };
}

describe('SMART App Launch 2.2 §backend-services — BackendServicesClient (BS-02, BS-03, BS-06)', () => {
  it('caches the token until 80% of its lifetime, then requests a new one with a fresh jti', async () => {
    const { clock, fetch, client } = setup();
    fetch.expect(tokenRequest(token('sys-1')));
    expect(await client.getAccessToken()).toBe('sys-1');
    clock.advance(239_999);
    expect(await client.getAccessToken()).toBe('sys-1');
    fetch.assertDone();
    clock.advance(1);
    fetch.expect(tokenRequest(token('sys-2')));
    expect(await client.getAccessToken()).toBe('sys-2');
    fetch.assertDone();
    expect(new Set(jtis.slice(-2)).size).toBe(2);
  });

  it('single flight: concurrent callers share one token request', async () => {
    const { fetch, client } = setup();
    fetch.expect(tokenRequest(token('sys-1')));
    const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set(['sys-1']));
    fetch.assertDone();
  });

  it('assumes 300 s when expires_in is missing', async () => {
    const { clock, fetch, client } = setup();
    fetch.expect(tokenRequest(token('sys-1', undefined)));
    const tokens = await client.getTokens();
    expect(tokens.expiresAt).toBe(T0 + 300_000);
    clock.advance(239_000);
    expect(await client.getAccessToken()).toBe('sys-1');
    fetch.assertDone();
  });

  it('re-requests once on a 401 and retries the FHIR call', async () => {
    const { fetch, client } = setup();
    fetch.expect(
      tokenRequest(token('sys-1')),
      {
        method: 'GET',
        url: `${FHIR}/Group/1/$export`,
        headers: { authorization: 'Bearer sys-1' },
        respond: () => new Response(null, { status: 401 }),
      },
      tokenRequest(token('sys-2')),
      {
        method: 'GET',
        url: `${FHIR}/Group/1/$export`,
        headers: { authorization: 'Bearer sys-2', prefer: 'respond-async' },
        respond: () => new Response(null, { status: 202 }),
      },
    );
    const response = await client.fetchWithToken(
      new Request(`${FHIR}/Group/1/$export`, { headers: { Prefer: 'respond-async' } }),
    );
    expect(response.status).toBe(202);
    fetch.assertDone();
  });

  it.each([
    ['invalid_client', 401, InvalidClientError],
    ['invalid_scope', 400, InvalidScopeError],
  ] as const)('%s is surfaced as %o and not cached', async (code, status, Class) => {
    const { fetch, client } = setup();
    fetch.expect(
      tokenRequest(() => jsonResponse({ error: code }, status)),
      tokenRequest(token('sys-1')),
    );
    await expectError(client.getAccessToken(), Class, { error: code, status });
    expect(await client.getAccessToken()).toBe('sys-1');
    fetch.assertDone();
  });

  it('invalidate() forces a new token', async () => {
    const { fetch, client } = setup();
    fetch.expect(tokenRequest(token('sys-1')), tokenRequest(token('sys-2')));
    await client.getAccessToken();
    client.invalidate();
    expect(await client.getAccessToken()).toBe('sys-2');
    fetch.assertDone();
  });
});
