import { defaultFetch } from './internal/http.js';
import { buildClientCredentialsRequest } from './token-request.js';
import { processTokenResponse } from './token-response.js';
import { renewalTime, tokenSetFromResponse } from './token-set.js';
import { setBearer } from './token-lifecycle.js';

import type { FetchLike } from './internal/http.js';
import type { RandomSource } from './internal/random.js';
import type { ClientAuthentication } from './token-request.js';
import type { TokenSet } from './token-set.js';

export interface BackendServicesClientOptions {
  /** From discovery (`token_endpoint`). */
  tokenEndpoint: string;
  /**
   * `private_key_jwt` (SMART Backend Services, RS384/ES384). `client_secret_basic` is allowed for
   * EHRs that accept it for system clients (Oracle Health, ehr-quirks.md §Cerner backend).
   */
  client: Exclude<ClientAuthentication, { method: 'none' }>;
  /** Requested scope, e.g. `system/Patient.rs system/Observation.rs` (BS-02). */
  scope: string;
  fetch?: FetchLike;
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number;
  random?: RandomSource;
  /** Fraction of the lifetime the token is reused for; default 0.8. */
  refreshRatio?: number;
  /** Safety margin before `expiresAt`, in seconds; default 30. */
  clockSkewSeconds?: number;
  /**
   * Lifetime assumed when the server omits `expires_in` (it SHALL send it, BS-03); default 300,
   * the IG's recommended value.
   */
  defaultLifetimeSeconds?: number;
}

/**
 * Backend Services (`client_credentials`) token source: signs a fresh client assertion per
 * request, caches the access token until 80% of its lifetime, shares one token request among
 * concurrent callers, and re-requests once on a 401 (BS-06). Failures are never cached.
 * See: SMART App Launch 2.2 §backend-services (BS-02, BS-03, BS-06).
 */
export class BackendServicesClient {
  readonly #options: BackendServicesClientOptions;
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  #cached: TokenSet | undefined;
  #pending: Promise<TokenSet> | undefined;

  constructor(options: BackendServicesClientOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? defaultFetch;
    this.#now = options.now ?? Date.now;
  }

  /**
   * A valid token set (cached or new).
   * @throws {OAuthError} e.g. `InvalidClientError`, `InvalidScopeError` from the token endpoint.
   * @throws {TokenResponseError} malformed response.
   */
  async getTokens(): Promise<TokenSet> {
    const cached = this.#cached;
    if (cached && !this.#isDue(cached)) return cached;
    this.#pending ??= this.#request().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** The access token. @throws as {@link getTokens}. */
  async getAccessToken(): Promise<string> {
    return (await this.getTokens()).accessToken;
  }

  /** Forgets the cached token (the next call requests a new one). */
  invalidate(): void {
    this.#cached = undefined;
  }

  /**
   * Sends `request` with the bearer token (set on `request` itself); on a 401 requests a new token (unless a concurrent
   * caller already did) and retries once.
   * @throws as {@link getTokens}.
   */
  async fetchWithToken(request: Request): Promise<Response> {
    const retry = request.body === null ? request : request.clone();
    const tokens = await this.getTokens();
    const response = await this.#fetch(setBearer(request, tokens.accessToken));
    if (response.status !== 401) return response;
    await response.body?.cancel();
    if (this.#cached === tokens) this.#cached = undefined;
    const renewed = await this.getTokens();
    return this.#fetch(setBearer(retry, renewed.accessToken));
  }

  async #request(): Promise<TokenSet> {
    const request = await buildClientCredentialsRequest({
      tokenEndpoint: this.#options.tokenEndpoint,
      scope: this.#options.scope,
      client: this.#options.client,
      now: this.#now,
      ...(this.#options.random ? { random: this.#options.random } : {}),
    });
    const response = await processTokenResponse(await this.#fetch(request));
    const receivedAt = this.#now();
    const tokens = tokenSetFromResponse(response, receivedAt);
    tokens.expiresAt ??= receivedAt + (this.#options.defaultLifetimeSeconds ?? 300) * 1000;
    this.#cached = tokens;
    return tokens;
  }

  #isDue(tokens: TokenSet): boolean {
    const at = renewalTime(
      tokens,
      this.#options.refreshRatio ?? 0.8,
      (this.#options.clockSkewSeconds ?? 30) * 1000,
    );
    return at === undefined || this.#now() >= at;
  }
}
