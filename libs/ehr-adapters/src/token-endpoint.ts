import { processTokenResponse } from '@bedside/smart-auth';

import type { FetchLike, TokenResponse } from '@bedside/smart-auth';

import { defaultSleep } from './rate-limit.js';

import type { RateLimiter, Sleep } from './rate-limit.js';
import type { EhrAdapter } from './types.js';

/**
 * Reads a token endpoint response the vendor's way: the adapter repairs the JSON body (string
 * booleans, row 21; vendor members kept, row 20) and smart-auth then validates it.
 * See: SMART App Launch 2.2 §app-launch "Response" (TOKEN-03).
 * @throws {OAuthError | TokenResponseError} as smart-auth's `processTokenResponse`.
 */
export async function processVendorTokenResponse(
  adapter: EhrAdapter,
  response: Response,
): Promise<TokenResponse> {
  return processTokenResponse(await normalizeTokenHttpResponse(adapter, response));
}

async function normalizeTokenHttpResponse(
  adapter: EhrAdapter,
  response: Response,
): Promise<Response> {
  if (!response.ok) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  const fixed = adapter.normalizeTokenBody(body as Record<string, unknown>);
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(fixed), { status: response.status, headers });
}

export interface TokenEndpointFetchOptions {
  /** The token endpoint (from discovery): only requests to it are touched. */
  tokenEndpoint: string;
  fetch?: FetchLike;
  /** The scope granted to this session (athena refresh needs it, row 28). */
  grantedScope?: () => Promise<string | undefined> | string | undefined;
  /** Shared per process: token-endpoint budget (row 46). */
  rateLimiter?: RateLimiter;
  /**
   * The connection's FHIR base: with a `rateLimiter`, token calls also count against the base's
   * budget where the vendor counts them together (eCW: FHIR, /authorize and /token, row 46).
   */
  fhirBaseUrl?: string;
  now?: () => number;
  sleep?: Sleep;
}

/**
 * A `fetch` for smart-auth's `TokenLifecycle` / `BackendServicesClient` that applies the vendor's
 * token-endpoint rules around every call to `tokenEndpoint` (other URLs pass through):
 * - refresh requests get the granted `scope` when the vendor needs it (row 28);
 * - refreshes of one session are spaced by `refresh.minIntervalSeconds` (Oracle 1/min, row 29);
 * - the vendor's token-endpoint rate limit is respected (athena 50/min, row 46);
 * - 2xx bodies are repaired before validation (rows 20, 21), also on refresh.
 * Rotation (rows 26, 27) needs no help: the lifecycle keeps the old refresh token when none comes
 * back and stores a rotated one with compare-and-swap before using the new access token.
 */
export function createTokenEndpointFetch(
  adapter: EhrAdapter,
  options: TokenEndpointFetchOptions,
): FetchLike {
  const send: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const endpoint = options.tokenEndpoint;
  let lastRefreshAt: number | undefined;

  return async (request) => {
    if (request.url !== endpoint || request.method !== 'POST') return send(request);
    let outgoing = request;
    const form = new URLSearchParams(await request.clone().text());
    if (form.get('grant_type') === 'refresh_token') {
      if (adapter.refresh.sendScopeOnRefresh && !form.has('scope')) {
        const scope = await options.grantedScope?.();
        if (scope) {
          form.set('scope', scope);
          outgoing = new Request(request, { body: form.toString() });
        }
      }
      const minGap = adapter.refresh.minIntervalSeconds * 1000;
      if (minGap > 0 && lastRefreshAt !== undefined) {
        const wait = lastRefreshAt + minGap - now();
        if (wait > 0) await sleep(wait);
      }
      lastRefreshAt = now();
    }
    await options.rateLimiter?.acquire(
      `token ${endpoint}`,
      adapter.rateLimit.tokenRequestsPerMinute,
    );
    if (options.fhirBaseUrl !== undefined) {
      await options.rateLimiter?.acquire(
        options.fhirBaseUrl.replace(/\/+$/, ''),
        adapter.rateLimit.requestsPerMinute,
      );
    }
    return normalizeTokenHttpResponse(adapter, await send(outgoing));
  };
}
