import type { JSONWebKeySet } from 'jose';

import { CdsJwtError } from './jwt-errors.js';

/** Returns the JWK Set at `url`; `forceRefresh` asks for a fresh copy (unknown `kid`). */
export type JwksFetcher = (
  url: string,
  options?: { forceRefresh?: boolean },
) => Promise<JSONWebKeySet>;

export interface CachedJwksFetcherOptions {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Clock in ms; defaults to `Date.now`. */
  now?: () => number;
  /** How long a fetched set is used without asking again (default 5 min). */
  ttlMs?: number;
  /** Forced refreshes of one URL are not sent more often than this (default 30 s). */
  minRefreshIntervalMs?: number;
}

interface Entry {
  jwks: JSONWebKeySet;
  fetchedAt: number;
}

/**
 * A {@link JwksFetcher} that caches each JWK Set for `ttlMs`, shares one request between
 * concurrent callers, and rate-limits forced refreshes (cds-hooks.md JWT-4: cache keys, refresh
 * once on an unknown `kid`, rate-limit refreshes). Redirects are refused so that keys come only
 * from the allow-listed URL. Failures throw {@link CdsJwtError} `jwks_unavailable`.
 */
export function createCachedJwksFetcher(options: CachedJwksFetcherOptions): JwksFetcher {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<JSONWebKeySet>>();

  const load = (url: string): Promise<JSONWebKeySet> => {
    const pending = inFlight.get(url);
    if (pending !== undefined) return pending;
    const request = fetchJwks(options.fetch, url)
      .then((jwks) => {
        cache.set(url, { jwks, fetchedAt: now() });
        return jwks;
      })
      .finally(() => inFlight.delete(url));
    inFlight.set(url, request);
    return request;
  };

  return async (url, { forceRefresh = false } = {}) => {
    const entry = cache.get(url);
    if (entry !== undefined) {
      const age = now() - entry.fetchedAt;
      if (!forceRefresh && age < ttlMs) return entry.jwks;
      if (forceRefresh && age < minRefreshIntervalMs) return entry.jwks;
    }
    return load(url);
  };
}

async function fetchJwks(
  fetch: CachedJwksFetcherOptions['fetch'],
  url: string,
): Promise<JSONWebKeySet> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'error',
    });
  } catch (error) {
    throw new CdsJwtError('jwks_unavailable', `JWKS ${url} could not be fetched`, { cause: error });
  }
  if (!response.ok) {
    throw new CdsJwtError('jwks_unavailable', `JWKS ${url} answered ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new CdsJwtError('jwks_unavailable', `JWKS ${url} is not JSON`, { cause: error });
  }
  if (!isJwks(body)) {
    throw new CdsJwtError('jwks_unavailable', `JWKS ${url} has no "keys" array`);
  }
  return body;
}

export function isJwks(value: unknown): value is JSONWebKeySet {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { keys?: unknown }).keys) &&
    (value as { keys: unknown[] }).keys.every((k) => typeof k === 'object' && k !== null)
  );
}
