import {
  buildCapabilityStatementRequest,
  processCapabilityStatementResponse,
} from './capability-statement.js';
import {
  buildDiscoveryRequest,
  normalizeFhirBaseUrl,
  processDiscoveryResponse,
} from './discovery.js';
import { DiscoveryError, DiscoveryErrorCode } from './errors.js';
import { defaultFetch } from './internal/http.js';

import type { ProcessDiscoveryOptions, SmartConfiguration } from './discovery.js';
import type { FetchLike } from './internal/http.js';

export interface DiscoverOptions extends ProcessDiscoveryOptions {
  fetch?: FetchLike;
  /**
   * When the well-known document cannot be fetched (HTTP error, not JSON, network failure), read
   * the deprecated oauth-uris extension of `{base}/metadata` instead (DISC-11, as client-js
   * does). Default true; ignored in strict mode.
   */
  fallbackToCapabilityStatement?: boolean;
}

/** A discovered configuration with the freshness the server allowed (`Cache-Control`). */
export interface DiscoveryResult {
  config: SmartConfiguration;
  /** `max-age` in seconds; undefined when the server sent none. */
  maxAgeSeconds: number | undefined;
  /** True for `no-store` / `no-cache`: do not reuse without revalidation. */
  noStore: boolean;
}

/** Fallback applies only when the document could not be obtained at all. */
const FALLBACK_CODES: ReadonlySet<string> = new Set([
  DiscoveryErrorCode.HttpError,
  DiscoveryErrorCode.InvalidJson,
  DiscoveryErrorCode.NetworkError,
]);

/**
 * Fetches and validates `{fhirBase}/.well-known/smart-configuration`, falling back to the
 * CapabilityStatement's oauth-uris extension when the well-known document is unavailable.
 * See: SMART App Launch 2.2 §conformance (DISC-01..DISC-11).
 * @throws {DiscoveryError} the well-known failure (its message also names the fallback failure).
 */
export async function discoverSmartConfiguration(
  fhirBaseUrl: string,
  options: DiscoverOptions = {},
): Promise<SmartConfiguration> {
  return (await discoverWithFreshness(fhirBaseUrl, options)).config;
}

/**
 * As {@link discoverSmartConfiguration}, also returning the response's `Cache-Control` freshness.
 * @throws {DiscoveryError}
 */
export async function discoverWithFreshness(
  fhirBaseUrl: string,
  options: DiscoverOptions = {},
): Promise<DiscoveryResult> {
  const fetchFn = options.fetch ?? defaultFetch;
  try {
    const response = await send(fetchFn, buildDiscoveryRequest(fhirBaseUrl));
    const freshness = readFreshness(response.headers);
    return { config: await processDiscoveryResponse(fhirBaseUrl, response, options), ...freshness };
  } catch (error) {
    const fallback = options.fallbackToCapabilityStatement ?? true;
    if (!fallback || options.strict || !(error instanceof DiscoveryError)) throw error;
    if (!FALLBACK_CODES.has(error.code)) throw error;
    try {
      const response = await send(fetchFn, buildCapabilityStatementRequest(fhirBaseUrl));
      const freshness = readFreshness(response.headers);
      return {
        config: await processCapabilityStatementResponse(fhirBaseUrl, response),
        ...freshness,
      };
    } catch (fallbackError) {
      const reason = fallbackError instanceof Error ? fallbackError.message : 'failed';
      throw new DiscoveryError(
        error.code as DiscoveryErrorCode,
        `${error.message}; CapabilityStatement fallback: ${reason}`,
        {
          ...(error.upstreamStatus !== undefined ? { upstreamStatus: error.upstreamStatus } : {}),
          cause: error,
        },
      );
    }
  }
}

async function send(fetchFn: FetchLike, request: Request): Promise<Response> {
  try {
    return await fetchFn(request);
  } catch (cause) {
    throw new DiscoveryError(DiscoveryErrorCode.NetworkError, `GET ${request.url} failed`, {
      cause,
    });
  }
}

/** Reads `max-age`, `no-store` and `no-cache` from `Cache-Control` (RFC 9111 §5.2.2). */
export function readFreshness(headers: Headers): Omit<DiscoveryResult, 'config'> {
  const value = headers.get('Cache-Control') ?? '';
  const directives = value
    .toLowerCase()
    .split(',')
    .map((part) => part.trim());
  let maxAgeSeconds: number | undefined;
  let noStore = false;
  for (const directive of directives) {
    if (directive === 'no-store' || directive === 'no-cache') noStore = true;
    const match = /^max-age\s*=\s*"?(\d+)"?$/.exec(directive);
    if (match) maxAgeSeconds = Number(match[1]);
  }
  return { maxAgeSeconds, noStore };
}

export interface DiscoveryCacheOptions extends DiscoverOptions {
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number;
  /** Lifetime when the server sends no `max-age`; default 5 minutes. */
  defaultTtlSeconds?: number;
  /** Upper bound on any lifetime; default 24 hours. */
  maxTtlSeconds?: number;
  /** Entries kept (least recently used evicted first); default 100. */
  maxEntries?: number;
}

interface CacheEntry {
  config: SmartConfiguration;
  expiresAt: number;
}

/**
 * A small in-memory cache of SMART configurations keyed by FHIR base. Entries live for the
 * server's `Cache-Control: max-age` (or `defaultTtlSeconds`), never longer than `maxTtlSeconds`;
 * `no-store`/`no-cache` responses are not kept. Concurrent lookups of one base share a single
 * request; failures are not cached.
 */
export class DiscoveryCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<SmartConfiguration>>();
  readonly #options: DiscoveryCacheOptions;
  readonly #now: () => number;

  constructor(options: DiscoveryCacheOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The configuration of `fhirBaseUrl`, from the cache when still fresh.
   * @throws {DiscoveryError} as {@link discoverSmartConfiguration}.
   */
  async get(fhirBaseUrl: string): Promise<SmartConfiguration> {
    const key = normalizeFhirBaseUrl(fhirBaseUrl);
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > this.#now()) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry.config;
    }
    if (entry) this.#entries.delete(key);
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#load(key).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  /** Drops one base (e.g. after its endpoints answered 404) or everything. */
  invalidate(fhirBaseUrl?: string): void {
    if (fhirBaseUrl === undefined) this.#entries.clear();
    else this.#entries.delete(normalizeFhirBaseUrl(fhirBaseUrl));
  }

  async #load(key: string): Promise<SmartConfiguration> {
    const result = await discoverWithFreshness(key, this.#options);
    const ttl = Math.min(
      result.maxAgeSeconds ?? this.#options.defaultTtlSeconds ?? 300,
      this.#options.maxTtlSeconds ?? 86_400,
    );
    if (!result.noStore && ttl > 0) {
      this.#entries.set(key, { config: result.config, expiresAt: this.#now() + ttl * 1000 });
      const limit = this.#options.maxEntries ?? 100;
      while (this.#entries.size > limit) {
        const oldest = this.#entries.keys().next().value;
        if (oldest === undefined) break;
        this.#entries.delete(oldest);
      }
    }
    return result.config;
  }
}
