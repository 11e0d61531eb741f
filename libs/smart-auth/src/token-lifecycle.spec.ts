import { describe, expect, it } from 'vitest';

import { T0, createClock, expectError } from '../test/fixtures.js';
import { InvalidGrantError, ReauthorizationRequiredError, ServerError } from './errors.js';
import { createStrictFetch, jsonResponse } from './testing/fake-fetch.js';
import { TokenLifecycle, withBearer } from './token-lifecycle.js';
import { InMemoryTokenStore, renewalTime, tokenSetFromResponse } from './token-set.js';

import type { ExpectedRequest } from './testing/fake-fetch.js';
import type { StoredTokens, TokenSet, TokenStore } from './token-set.js';

const TOKEN_URL = 'https://ehr.example.org/token';
const FHIR = 'https://ehr.example.org/fhir';
const HOUR = 3_600_000;

function initialTokens(patch: Partial<TokenSet> = {}): TokenSet {
  return {
    accessToken: 'at-1',
    refreshToken: 'rt-1',
    receivedAt: T0,
    expiresAt: T0 + HOUR,
    scope: 'launch patient/*.rs offline_access',
    context: { patient: '123', need_patient_banner: true },
    ...patch,
  };
}

function refreshExpectation(
  refreshToken: string,
  respond: ExpectedRequest['respond'],
): ExpectedRequest {
  return {
    method: 'POST',
    url: TOKEN_URL,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'app' },
    respond,
  };
}

function tokenJson(accessToken: string, refreshToken?: string, expiresIn = 3600) {
  return jsonResponse(
    {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: 'launch patient/*.rs offline_access',
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    },
    200,
    { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  );
}

function fhirRead(token: string, status = 200): ExpectedRequest {
  return {
    method: 'GET',
    url: `${FHIR}/Patient/123`,
    headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
    respond: () => jsonResponse({ resourceType: 'Patient', id: '123' }, status),
  };
}

function setup(tokens: TokenSet | null = initialTokens()) {
  const clock = createClock();
  const store = new InMemoryTokenStore(tokens ?? undefined);
  const fetch = createStrictFetch();
  const lifecycle = new TokenLifecycle({
    store,
    tokenEndpoint: TOKEN_URL,
    client: { method: 'none', clientId: 'app' },
    fetch,
    now: clock.now,
    fhirBaseUrl: FHIR,
  });
  const read = () =>
    lifecycle.fetchWithToken(
      new Request(`${FHIR}/Patient/123`, { headers: { Accept: 'application/fhir+json' } }),
    );
  return { clock, store, fetch, lifecycle, read };
}

describe('SMART App Launch 2.2 §app-launch step 7 — TokenLifecycle (REFRESH-02/03/06/08)', () => {
  it('TOKEN-09: sends the stored token as Bearer without touching the token endpoint', async () => {
    const { fetch, read } = setup();
    fetch.expect(fhirRead('at-1'));
    expect((await read()).status).toBe(200);
    fetch.assertDone();
  });

  it('renews at 80% of the lifetime, not before', async () => {
    const { clock, fetch, lifecycle } = setup();
    clock.advance(0.8 * HOUR - 1);
    expect(await lifecycle.getAccessToken()).toBe('at-1');
    clock.advance(1);
    fetch.expect(refreshExpectation('rt-1', () => tokenJson('at-2', 'rt-2')));
    expect(await lifecycle.getAccessToken()).toBe('at-2');
    fetch.assertDone();
  });

  it('REFRESH-06: stores the rotated refresh token before the new access token is used', async () => {
    const { clock, fetch, store, read } = setup();
    clock.advance(0.9 * HOUR);
    fetch.expect(
      refreshExpectation('rt-1', () => tokenJson('at-2', 'rt-2')),
      {
        ...fhirRead('at-2'),
        respond: async () => {
          const stored = await store.load();
          expect(stored?.tokens).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' });
          return jsonResponse({ resourceType: 'Patient' });
        },
      },
    );
    await read();
    fetch.assertDone();
  });

  it('keeps the refresh token, scope and launch context when the refresh response omits them', async () => {
    const { clock, fetch, lifecycle } = setup();
    clock.advance(0.9 * HOUR);
    fetch.expect(
      refreshExpectation('rt-1', () =>
        jsonResponse({ access_token: 'at-2', token_type: 'bearer', expires_in: 600 }),
      ),
    );
    expect(await lifecycle.getTokens()).toEqual({
      accessToken: 'at-2',
      refreshToken: 'rt-1',
      receivedAt: T0 + 0.9 * HOUR,
      expiresAt: T0 + 0.9 * HOUR + 600_000,
      scope: 'launch patient/*.rs offline_access',
      context: { patient: '123', need_patient_banner: true },
    });
  });

  it('single flight: concurrent callers share one refresh request', async () => {
    const { clock, fetch, lifecycle } = setup();
    clock.advance(0.85 * HOUR);
    fetch.expect(refreshExpectation('rt-1', () => tokenJson('at-2', 'rt-2')));
    const tokens = await Promise.all(Array.from({ length: 25 }, () => lifecycle.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set(['at-2']));
    fetch.assertDone();
  });

  it('RFC 6750 §3.1: a 401 renews once and retries with the new token, body intact', async () => {
    const { fetch, lifecycle } = setup();
    const post = (body: string) =>
      ({
        method: 'POST',
        url: `${FHIR}/Observation`,
        body,
      }) as const;
    fetch.expect(
      {
        ...post('{"resourceType":"Observation"}'),
        headers: { authorization: 'Bearer at-1' },
        respond: () => new Response(null, { status: 401 }),
      },
      refreshExpectation('rt-1', () => tokenJson('at-2', 'rt-2')),
      {
        ...post('{"resourceType":"Observation"}'),
        headers: { authorization: 'Bearer at-2' },
        respond: () => new Response(null, { status: 201 }),
      },
    );
    const response = await lifecycle.fetchWithToken(
      new Request(`${FHIR}/Observation`, {
        method: 'POST',
        body: '{"resourceType":"Observation"}',
      }),
    );
    expect(response.status).toBe(201);
    fetch.assertDone();
  });

  it('returns the second 401 as is (no refresh loop)', async () => {
    const { fetch, read } = setup();
    fetch.expect(
      fhirRead('at-1', 401),
      refreshExpectation('rt-1', () => tokenJson('at-2', 'rt-2')),
      fhirRead('at-2', 401),
    );
    expect((await read()).status).toBe(401);
    fetch.assertDone();
  });

  it('concurrent 401s trigger one refresh; every request is retried with the new token', async () => {
    const { fetch, read } = setup();
    fetch.expect(
      fhirRead('at-1', 401),
      fhirRead('at-1', 401),
      fhirRead('at-1', 401),
      refreshExpectation('rt-1', () => tokenJson('at-2', 'rt-2')),
      fhirRead('at-2'),
      fhirRead('at-2'),
      fhirRead('at-2'),
    );
    const statuses = (await Promise.all([read(), read(), read()])).map((r) => r.status);
    expect(statuses).toEqual([200, 200, 200]);
    fetch.assertDone();
  });

  it('401 without a refresh token → ReauthorizationRequiredError(no_refresh_token)', async () => {
    const { fetch, read } = setup(initialTokens({ refreshToken: undefined }));
    fetch.expect(fhirRead('at-1', 401));
    await expectError(read(), ReauthorizationRequiredError, {
      reason: 'no_refresh_token',
      code: 'reauthorization_required',
      status: 401,
      exposable: true,
    });
    fetch.assertDone();
  });

  it('without a refresh token a due token is used until it expires, then reauthorization', async () => {
    const { clock, lifecycle } = setup(initialTokens({ refreshToken: undefined }));
    clock.advance(0.9 * HOUR);
    expect(await lifecycle.getAccessToken()).toBe('at-1');
    clock.advance(0.1 * HOUR - 30_000); // within the 30 s skew margin of expiry
    await expectError(lifecycle.getAccessToken(), ReauthorizationRequiredError, {
      reason: 'no_refresh_token',
    });
  });

  it('invalid_grant on refresh → ReauthorizationRequiredError(refresh_rejected); the refresh token is dropped', async () => {
    const { clock, fetch, store, lifecycle } = setup();
    clock.advance(0.9 * HOUR);
    fetch.expect(
      refreshExpectation('rt-1', () =>
        jsonResponse({ error: 'invalid_grant', error_description: 'Expired refresh token' }, 400),
      ),
    );
    const error = await expectError(lifecycle.getAccessToken(), ReauthorizationRequiredError, {
      reason: 'refresh_rejected',
      status: 401,
    });
    expect(error.cause).toBeInstanceOf(InvalidGrantError);
    expect((await store.load())?.tokens.refreshToken).toBeUndefined();
    fetch.assertDone();
  });

  it('a transient refresh failure keeps using the unexpired token; after expiry it propagates', async () => {
    const { clock, fetch, lifecycle } = setup();
    clock.advance(0.9 * HOUR);
    fetch.expect(
      refreshExpectation('rt-1', () => jsonResponse({ error: 'server_error' }, 500)),
      refreshExpectation('rt-1', () => jsonResponse({ error: 'server_error' }, 503)),
    );
    expect(await lifecycle.getAccessToken()).toBe('at-1');
    clock.advance(0.1 * HOUR);
    await expectError(lifecycle.getAccessToken(), ServerError, {
      error: 'server_error',
      status: 503,
    });
    fetch.assertDone();
  });

  it('no stored tokens → ReauthorizationRequiredError(no_token)', async () => {
    const { read } = setup(null);
    await expectError(read(), ReauthorizationRequiredError, { reason: 'no_token' });
  });

  it('no expires_in: no proactive renewal (the 401 path handles expiry)', async () => {
    const { clock, lifecycle } = setup(initialTokens({ expiresAt: undefined }));
    clock.advance(100 * HOUR);
    expect(await lifecycle.getAccessToken()).toBe('at-1');
  });

  it('STATE-08: refuses to send the token outside the FHIR base', async () => {
    const { lifecycle } = setup();
    for (const url of [
      'https://evil.example/fhir/Patient/1',
      'https://ehr.example.org/fhirx/Patient',
    ]) {
      await expect(lifecycle.fetchWithToken(new Request(url))).rejects.toThrow(
        `refusing to send the access token outside ${FHIR}`,
      );
    }
  });

  it('saveTokens replaces the stored set (after a code exchange)', async () => {
    const { store, lifecycle } = setup(null);
    await lifecycle.saveTokens(
      tokenSetFromResponse(
        {
          access_token: 'fresh',
          token_type: 'Bearer',
          expires_in: 60,
          extra: {},
          raw: { access_token: 'fresh', patient: '9' },
        },
        T0,
      ),
    );
    expect(await lifecycle.getAccessToken()).toBe('fresh');
    expect((await store.load())?.tokens.context).toEqual({ patient: '9' });
  });
});

describe('TokenLifecycle — several processes sharing one store (compare-and-swap)', () => {
  it('adopts tokens another process refreshed instead of refreshing again', async () => {
    const { clock, fetch, store, lifecycle } = setup();
    expect(await lifecycle.getAccessToken()).toBe('at-1');
    clock.advance(0.9 * HOUR);
    const current = await store.load();
    await store.compareAndSwap(
      current?.version,
      initialTokens({
        accessToken: 'at-other',
        refreshToken: 'rt-other',
        receivedAt: clock.now(),
        expiresAt: clock.now() + HOUR,
      }),
    );
    expect(await lifecycle.getAccessToken()).toBe('at-other');
    fetch.assertDone();
  });

  it('a lost compare-and-swap adopts the winner', async () => {
    const clock = createClock();
    const inner = new InMemoryTokenStore(initialTokens());
    let interfere = true;
    const racing: TokenStore = {
      load: () => inner.load(),
      async compareAndSwap(version, tokens) {
        if (interfere) {
          interfere = false;
          const latest = (await inner.load()) as StoredTokens;
          await inner.compareAndSwap(
            latest.version,
            initialTokens({
              accessToken: 'at-winner',
              receivedAt: clock.now(),
              expiresAt: clock.now() + HOUR,
            }),
          );
        }
        return inner.compareAndSwap(version, tokens);
      },
    };
    const fetch = createStrictFetch(
      refreshExpectation('rt-1', () => tokenJson('at-loser', 'rt-loser')),
    );
    const lifecycle = new TokenLifecycle({
      store: racing,
      tokenEndpoint: TOKEN_URL,
      client: { method: 'none', clientId: 'app' },
      fetch,
      now: clock.now,
    });
    clock.advance(0.9 * HOUR);
    expect(await lifecycle.getAccessToken()).toBe('at-winner');
    fetch.assertDone();
  });

  it('invalid_grant because another process rotated the refresh token → adopts its tokens', async () => {
    const { clock, fetch, store, lifecycle } = setup();
    await lifecycle.getAccessToken();
    clock.advance(0.9 * HOUR);
    fetch.expect(
      refreshExpectation('rt-1', async () => {
        // The other process wins the refresh while ours is in flight.
        const latest = (await store.load()) as StoredTokens;
        await store.compareAndSwap(
          latest.version,
          initialTokens({
            accessToken: 'at-other',
            refreshToken: 'rt-2',
            receivedAt: clock.now(),
            expiresAt: clock.now() + HOUR,
          }),
        );
        return jsonResponse({ error: 'invalid_grant' }, 400);
      }),
    );
    expect(await lifecycle.getAccessToken()).toBe('at-other');
    expect((await store.load())?.tokens.refreshToken).toBe('rt-2');
    fetch.assertDone();
  });
});

describe('renewalTime — 80% of the lifetime, capped by the skew margin', () => {
  it.each([
    [{ receivedAt: 0, expiresAt: 1000_000 }, 0.8, 0, 800_000],
    [{ receivedAt: 0, expiresAt: 1000_000 }, 0.8, 300_000, 700_000],
    [{ receivedAt: 0, expiresAt: 60_000 }, 0.8, 30_000, 30_000],
    [{ receivedAt: 0, expiresAt: undefined }, 0.8, 0, undefined],
  ])('%o ratio %s skew %s → %s', (times, ratio, skew, expected) => {
    const tokens: TokenSet = { accessToken: 'a', context: {}, ...times };
    expect(renewalTime(tokens, ratio, skew)).toBe(expected);
  });
});

describe('fetchWithToken request handling', () => {
  it('sets Authorization on the request it was given (no copy) and keeps its other headers', async () => {
    const { fetch, lifecycle } = setup();
    fetch.expect(fhirRead('at-1'));
    const request = new Request(`${FHIR}/Patient/123`, {
      headers: { Accept: 'application/fhir+json' },
    });
    await lifecycle.fetchWithToken(request);
    expect(request.headers.get('authorization')).toBe('Bearer at-1');
    expect(fetch.calls[0]?.headers.get('accept')).toBe('application/fhir+json');
  });

  it('withBearer returns a copy and leaves the original alone', () => {
    const original = new Request(`${FHIR}/Patient/1`);
    const copy = withBearer(original, 'tok');
    expect(copy.headers.get('authorization')).toBe('Bearer tok');
    expect(original.headers.has('authorization')).toBe(false);
  });
});

describe('withAccessToken — the same lifecycle over any transport', () => {
  it('passes the current token; a result that is not unauthorized is returned as is', async () => {
    const { fetch, lifecycle } = setup();
    const seen: [string, number][] = [];
    const result = await lifecycle.withAccessToken(
      (token, attempt) => {
        seen.push([token, attempt]);
        return Promise.resolve({ status: 200 });
      },
      (reply) => reply.status === 401,
    );
    expect(result).toEqual({ status: 200 });
    expect(seen).toEqual([['at-1', 1]]);
    expect(fetch.calls).toHaveLength(0);
  });

  it('RFC 6750 §3.1: an unauthorized result renews once and sends again with the new token', async () => {
    const { fetch, lifecycle, store } = setup();
    fetch.expect(refreshExpectation('rt-1', () => tokenJson('at-2', 'rt-2')));
    const seen: [string, number][] = [];
    const result = await lifecycle.withAccessToken(
      (token, attempt) => {
        seen.push([token, attempt]);
        return Promise.resolve({ status: token === 'at-1' ? 401 : 200 });
      },
      (reply) => reply.status === 401,
    );
    expect(result).toEqual({ status: 200 });
    expect(seen).toEqual([
      ['at-1', 1],
      ['at-2', 2],
    ]);
    expect((await store.load())?.tokens.refreshToken).toBe('rt-2');
  });

  it('a second unauthorized result is returned (no loop)', async () => {
    const { fetch, lifecycle } = setup();
    fetch.expect(refreshExpectation('rt-1', () => tokenJson('at-2', 'rt-2')));
    let sends = 0;
    const result = await lifecycle.withAccessToken(
      () => Promise.resolve({ status: 401, n: ++sends }),
      (reply) => reply.status === 401,
    );
    expect(result).toEqual({ status: 401, n: 2 });
  });

  it('STATE-08: assertUnderFhirBase refuses other origins and paths', () => {
    const { lifecycle } = setup();
    expect(() => lifecycle.assertUnderFhirBase(`${FHIR}/Observation?patient=1`)).not.toThrow();
    expect(() => lifecycle.assertUnderFhirBase('https://ehr.example.org/fhirx/Patient')).toThrow(
      `refusing to send the access token outside ${FHIR}`,
    );
  });
});

describe('TokenLifecycle — clock skew with very short tokens', () => {
  it('does not refresh a fresh 10-second token before every call (skew capped at 10% of its life)', async () => {
    let now = 1_000_000;
    const store = new InMemoryTokenStore({
      accessToken: 'short-lived',
      receivedAt: now,
      expiresAt: now + 10_000,
      refreshToken: 'rt',
      context: {},
    });
    const calls: string[] = [];
    const lifecycle = new TokenLifecycle({
      store,
      tokenEndpoint: 'https://ehr.example/token',
      client: { method: 'none', clientId: 'app' },
      now: () => now,
      fetch: async (request) => {
        calls.push(new URL(request.url).pathname);
        return new Response('{}', { status: 200 });
      },
    });
    now += 5_000;
    expect(await lifecycle.getAccessToken()).toBe('short-lived');
    expect(calls).toEqual([]);
  });
});
