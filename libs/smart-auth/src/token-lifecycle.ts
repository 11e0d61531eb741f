import { InvalidGrantError, ReauthorizationRequiredError } from './errors.js';
import { defaultFetch } from './internal/http.js';
import { buildRefreshTokenRequest } from './token-request.js';
import { processTokenResponse } from './token-response.js';
import { renewalTime, tokenSetFromResponse } from './token-set.js';

import type { FetchLike } from './internal/http.js';
import type { RandomSource } from './internal/random.js';
import type { ClientAuthentication } from './token-request.js';
import type { StoredTokens, TokenSet, TokenStore } from './token-set.js';

export interface TokenLifecycleOptions {
  /** Where this session's tokens live. */
  store: TokenStore;
  /** From discovery (`token_endpoint`). */
  tokenEndpoint: string;
  /** How the client authenticates when refreshing (asymmetric clients sign a fresh assertion). */
  client: ClientAuthentication;
  /** Used for the token endpoint and for FHIR calls; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number;
  random?: RandomSource;
  /** Fraction of the lifetime after which the token is renewed; default 0.8. */
  refreshRatio?: number;
  /**
   * Clock skew tolerated between the processes sharing the store, in seconds: a token counts as
   * expired this long before its `expiresAt`; default 30, capped at a tenth of each token's life.
   */
  clockSkewSeconds?: number;
  /**
   * The FHIR base the token was issued for (`aud`). When set, {@link TokenLifecycle.fetchWithToken}
   * refuses to send the token anywhere else (STATE-08).
   */
  fhirBaseUrl?: string;
}

/**
 * Keeps one session's access token usable: renews it with the refresh token after 80% of its
 * lifetime, retries a FHIR call once after a 401, and reports {@link ReauthorizationRequiredError}
 * when only the user can fix things.
 *
 * - **Single flight**: concurrent callers of one instance share one refresh request. Keep one
 *   instance per session per process (e.g. in an LRU keyed by session id).
 * - **Atomic rotation**: the refreshed set (with a rotated refresh token) is written to the
 *   {@link TokenStore} with compare-and-swap *before* the new access token is used. When another
 *   process refreshed first (CAS lost, or our refresh was rejected because they used the refresh
 *   token), the stored tokens are adopted instead.
 * - **Failures**: `invalid_grant` drops the refresh token from the store and throws
 *   `ReauthorizationRequiredError('refresh_rejected')`; a missing refresh token on an expired
 *   (or 401-rejected) token throws `ReauthorizationRequiredError('no_refresh_token')`; transient
 *   failures (network, 5xx) keep using an access token that has not expired yet, otherwise they
 *   propagate unchanged.
 * - **Unknown lifetime** (no `expires_in`): no proactive renewal; the 401 retry handles expiry.
 *
 * See: SMART App Launch 2.2 §app-launch step 7 "Refresh access token" (REFRESH-02, -03, -06, -08).
 */
export class TokenLifecycle {
  readonly #options: TokenLifecycleOptions;
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  readonly #ratio: number;
  readonly #skewMs: number;
  readonly #fhirBase: string | undefined;
  #current: StoredTokens | undefined;
  #refreshing: Promise<StoredTokens> | undefined;

  constructor(options: TokenLifecycleOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? defaultFetch;
    this.#now = options.now ?? Date.now;
    this.#ratio = options.refreshRatio ?? 0.8;
    this.#skewMs = (options.clockSkewSeconds ?? 30) * 1000;
    this.#fhirBase = options.fhirBaseUrl?.replace(/\/+$/, '');
    if (!(this.#ratio > 0 && this.#ratio <= 1))
      throw new RangeError('refreshRatio must be in (0, 1]');
  }

  /**
   * Stores a new token set (after the code exchange or a re-authorization), replacing whatever
   * the store holds.
   */
  async saveTokens(tokens: TokenSet): Promise<void> {
    for (;;) {
      const stored = await this.#options.store.load();
      const saved = await this.#options.store.compareAndSwap(stored?.version, tokens);
      if (saved) {
        this.#current = saved;
        return;
      }
    }
  }

  /**
   * The current token set, renewed first when due.
   * @throws {ReauthorizationRequiredError} no tokens, or renewal impossible.
   * @throws {OAuthError | TokenResponseError} renewal failed for another reason and the access
   *   token has expired.
   */
  async getTokens(): Promise<TokenSet> {
    return (await this.#fresh()).tokens;
  }

  /** The current access token, renewed first when due. @throws as {@link getTokens}. */
  async getAccessToken(): Promise<string> {
    return (await this.#fresh()).tokens.accessToken;
  }

  /**
   * Renews now, whether due or not (single flight).
   * @throws as {@link getTokens}.
   */
  async refresh(): Promise<TokenSet> {
    const record = this.#current ?? (await this.#reload());
    return (await this.#renew(record, record.tokens.accessToken)).tokens;
  }

  /**
   * Sends `request` with `Authorization: Bearer <access token>` (TOKEN-09). The header is set on
   * `request` itself (pass a fresh Request per call). On a 401 the token is renewed (unless
   * another caller already did) and the request is sent once more (a body is replayed from a
   * clone); the second response is returned whatever its status.
   * See: RFC 6750 §3.1; SMART App Launch 2.2 §app-launch step 6 (REFRESH-08).
   * @throws {TypeError} when `fhirBaseUrl` is set and the request goes elsewhere (STATE-08).
   * @throws {ReauthorizationRequiredError} as {@link getTokens}.
   */
  async fetchWithToken(request: Request): Promise<Response> {
    this.#assertUnderFhirBase(request.url);
    const retry = request.body === null ? request : request.clone();
    return this.withAccessToken(
      (accessToken, attempt) =>
        this.#fetch(setBearer(attempt === 1 ? request : retry, accessToken)),
      async (response) => {
        if (response.status !== 401) return false;
        await response.body?.cancel();
        return true;
      },
    );
  }

  /**
   * {@link fetchWithToken} for any transport (a proxy's pooled HTTP client, say): `send` gets the
   * current access token (renewed first when due) and the attempt number. When `unauthorized`
   * says the result was a 401 (it should release the result's resources then), the token is
   * renewed (unless another caller already did) and `send` runs once more; that second result is
   * returned whatever it is. The caller keeps `send` to the FHIR base ({@link assertUnderFhirBase}).
   * @throws {ReauthorizationRequiredError} as {@link getTokens}.
   */
  async withAccessToken<T>(
    send: (accessToken: string, attempt: 1 | 2) => Promise<T>,
    unauthorized: (result: T) => boolean | Promise<boolean>,
  ): Promise<T> {
    const record = await this.#fresh();
    const result = await send(record.tokens.accessToken, 1);
    if (!(await unauthorized(result))) return result;
    const renewed = await this.#renew(record, record.tokens.accessToken);
    return send(renewed.tokens.accessToken, 2);
  }

  /**
   * @throws {TypeError} when `fhirBaseUrl` is set and `url` is not under it: the access token
   *   must never be sent elsewhere (STATE-08).
   */
  assertUnderFhirBase(url: string): void {
    this.#assertUnderFhirBase(url);
  }

  #assertUnderFhirBase(url: string): void {
    if (this.#fhirBase !== undefined && !isUnder(url, this.#fhirBase)) {
      throw new TypeError(`refusing to send the access token outside ${this.#fhirBase}`);
    }
  }

  async #fresh(): Promise<StoredTokens> {
    const record = this.#current ?? (await this.#reload());
    if (!this.#isDue(record.tokens)) return record;
    return this.#renew(record, undefined);
  }

  async #reload(): Promise<StoredTokens> {
    const stored = await this.#options.store.load();
    if (!stored) throw new ReauthorizationRequiredError('no_token');
    this.#current = stored;
    return stored;
  }

  /**
   * Single-flight renewal. `rejectedToken` is set when a server refused that token (401 or an
   * explicit refresh): renewal is then mandatory unless the current token is already another one.
   */
  #renew(seen: StoredTokens, rejectedToken: string | undefined): Promise<StoredTokens> {
    if (this.#current && this.#current.version !== seen.version) {
      const current = this.#current;
      const usable =
        rejectedToken === undefined
          ? !this.#isDue(current.tokens)
          : current.tokens.accessToken !== rejectedToken;
      if (usable) return Promise.resolve(current);
    }
    this.#refreshing ??= this.#doRenew(seen, rejectedToken).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #doRenew(seen: StoredTokens, rejectedToken: string | undefined): Promise<StoredTokens> {
    const forced = rejectedToken !== undefined;
    // Another process may have renewed since we loaded.
    const stored = await this.#reload();
    if (stored.version !== seen.version) {
      const usable = forced
        ? stored.tokens.accessToken !== rejectedToken
        : !this.#isDue(stored.tokens);
      if (usable) return stored;
    }
    const tokens = stored.tokens;
    if (!tokens.refreshToken) {
      if (!forced && !this.#isExpired(tokens)) return stored;
      throw new ReauthorizationRequiredError('no_refresh_token');
    }
    let next: TokenSet;
    try {
      const request = await buildRefreshTokenRequest({
        tokenEndpoint: this.#options.tokenEndpoint,
        refreshToken: tokens.refreshToken,
        client: this.#options.client,
        now: this.#now,
        ...(this.#options.random ? { random: this.#options.random } : {}),
      });
      const response = await processTokenResponse(await this.#fetch(request));
      next = tokenSetFromResponse(response, this.#now(), tokens);
    } catch (error) {
      if (error instanceof InvalidGrantError) return this.#onRefreshRejected(stored, error);
      // Transient failure: a token that has not expired is still good to use.
      if (!forced && !this.#isExpired(tokens)) return stored;
      throw error;
    }
    // REFRESH-06: persist the rotated refresh token before anyone uses the new access token.
    const saved = await this.#options.store.compareAndSwap(stored.version, next);
    if (saved) {
      this.#current = saved;
      return saved;
    }
    // Lost the race to another writer: theirs is the token set of record.
    return this.#reload();
  }

  async #onRefreshRejected(stored: StoredTokens, cause: InvalidGrantError): Promise<StoredTokens> {
    const latest = await this.#reload();
    // Another process rotated the refresh token after we loaded it: use its result.
    if (
      latest.version !== stored.version &&
      latest.tokens.refreshToken !== stored.tokens.refreshToken
    ) {
      return latest;
    }
    // REFRESH-08: drop the refresh token so nobody retries it.
    const { refreshToken: _dropped, ...withoutRefresh } = stored.tokens;
    const saved = await this.#options.store.compareAndSwap(stored.version, withoutRefresh);
    if (saved) this.#current = saved;
    throw new ReauthorizationRequiredError('refresh_rejected', undefined, { cause });
  }

  #isDue(tokens: TokenSet): boolean {
    const at = renewalTime(tokens, this.#ratio, this.#skewFor(tokens));
    return at !== undefined && this.#now() >= at;
  }

  #isExpired(tokens: TokenSet): boolean {
    return (
      tokens.expiresAt !== undefined && this.#now() >= tokens.expiresAt - this.#skewFor(tokens)
    );
  }

  /**
   * The skew tolerated for this token: the configured one, but never more than a tenth of the
   * token's lifetime, so a 10-second token is not treated as expired the moment it arrives.
   */
  #skewFor(tokens: TokenSet): number {
    if (tokens.expiresAt === undefined) return this.#skewMs;
    return Math.min(this.#skewMs, Math.max(0, tokens.expiresAt - tokens.receivedAt) / 10);
  }
}

/** A copy of `request` with `Authorization: Bearer <token>`. */
export function withBearer(request: Request, accessToken: string): Request {
  const headers = new Headers(request.headers);
  headers.set('Authorization', `Bearer ${accessToken}`);
  return new Request(request, { headers });
}

/**
 * Sets `Authorization: Bearer <token>` on `request` itself; copies only when its headers cannot
 * be changed (e.g. a `no-cors` request). Copying a Request costs ~40 µs in Node 20 (undici
 * re-links the abort signal), which is most of the per-call overhead otherwise.
 * @internal
 */
export function setBearer(request: Request, accessToken: string): Request {
  const value = `Bearer ${accessToken}`;
  try {
    request.headers.set('Authorization', value);
    if (request.headers.get('Authorization') === value) return request;
  } catch {
    // immutable headers: fall through to a copy
  }
  return withBearer(request, accessToken);
}

function isUnder(url: string, base: string): boolean {
  return url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}?`);
}
