import { describe, expect, it } from 'vitest';

import { createFakeFetch } from '../test/fake-fetch.js';
import { createCachedJwksFetcher } from './jwks-fetcher.js';

const URL_A = 'https://ehr.example.org/jwks';
const KEYS = { keys: [{ kty: 'EC', kid: 'k1', crv: 'P-384', x: 'x', y: 'y' }] };

function setup(route: () => Response | Promise<Response> = () => Response.json(KEYS)) {
  const clock = { ms: 0 };
  const fetch = createFakeFetch({ [`GET ${URL_A}`]: route });
  const fetchJwks = createCachedJwksFetcher({
    fetch,
    now: () => clock.ms,
    ttlMs: 300_000,
    minRefreshIntervalMs: 30_000,
  });
  return { clock, fetch, fetchJwks };
}

describe('cds-hooks.md JWT-4 — JWKS cache (TTL, single flight, rate-limited refresh)', () => {
  it('caches for the TTL, then fetches again', async () => {
    const { clock, fetch, fetchJwks } = setup();
    await expect(fetchJwks(URL_A)).resolves.toEqual(KEYS);
    clock.ms = 299_999;
    await fetchJwks(URL_A);
    expect(fetch.calls).toHaveLength(1);
    clock.ms = 300_000;
    await fetchJwks(URL_A);
    expect(fetch.calls).toHaveLength(2);
  });

  it('shares one request between concurrent callers', async () => {
    const { fetch, fetchJwks } = setup();
    await Promise.all([fetchJwks(URL_A), fetchJwks(URL_A), fetchJwks(URL_A)]);
    expect(fetch.calls).toHaveLength(1);
  });

  it('honours a forced refresh only after the minimum interval', async () => {
    const { clock, fetch, fetchJwks } = setup();
    await fetchJwks(URL_A);
    clock.ms = 29_999;
    await fetchJwks(URL_A, { forceRefresh: true });
    expect(fetch.calls).toHaveLength(1);
    clock.ms = 30_000;
    await fetchJwks(URL_A, { forceRefresh: true });
    expect(fetch.calls).toHaveLength(2);
  });

  it('asks for JSON and refuses redirects', async () => {
    const seen: RequestInit[] = [];
    const fetchJwks = createCachedJwksFetcher({
      fetch: async (_url, init) => {
        seen.push(init);
        return Response.json(KEYS);
      },
    });
    await fetchJwks(URL_A);
    expect(seen).toEqual([
      {
        method: 'GET',
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'error',
      },
    ]);
  });

  it.each<[string, () => Response | Promise<Response>, string]>([
    ['an error status', () => new Response('', { status: 404 }), `JWKS ${URL_A} answered 404`],
    ['a body that is not JSON', () => new Response('<html>'), `JWKS ${URL_A} is not JSON`],
    ['JSON without keys', () => Response.json({ key: [] }), `JWKS ${URL_A} has no "keys" array`],
    [
      'a network failure',
      () => Promise.reject(new TypeError('fetch failed')),
      `JWKS ${URL_A} could not be fetched`,
    ],
  ])('%s ⇒ jwks_unavailable, nothing cached', async (_name, route, message) => {
    const { fetch, fetchJwks } = setup(route);
    await expect(fetchJwks(URL_A)).rejects.toMatchObject({ code: 'jwks_unavailable', message });
    await expect(fetchJwks(URL_A)).rejects.toMatchObject({ code: 'jwks_unavailable' });
    expect(fetch.calls).toHaveLength(2);
  });
});
