import type { TokenResponse } from './token-response.js';

/**
 * The tokens of one grant, as kept by a {@link TokenStore}. Plain JSON: store it (encrypted) as is.
 * Times are milliseconds since the epoch on the clock of the process that received the tokens.
 */
export interface TokenSet {
  accessToken: string;
  /** When the access token expires (receivedAt + expires_in); undefined when unknown. */
  expiresAt?: number;
  /** When the token response was received. */
  receivedAt: number;
  refreshToken?: string;
  /** Granted scopes. */
  scope?: string;
  idToken?: string;
  /**
   * Launch context and other members of the token response (`patient`, `encounter`,
   * `fhirContext`, `need_patient_banner`, vendor extras…), kept across refreshes.
   */
  context: Record<string, unknown>;
}

const NOT_CONTEXT = new Set([
  'access_token',
  'token_type',
  'expires_in',
  'scope',
  'refresh_token',
  'id_token',
]);

/**
 * Turns a token response into a {@link TokenSet}. On refresh pass the previous set: a missing
 * `refresh_token` keeps the old one (RFC 6749 §6), a new one replaces it (REFRESH-03); a missing
 * `scope` keeps the previous scope; context members absent from the refresh response are kept.
 */
export function tokenSetFromResponse(
  response: TokenResponse,
  receivedAt: number,
  previous?: TokenSet,
): TokenSet {
  const context: Record<string, unknown> = { ...previous?.context };
  for (const [key, value] of Object.entries(response.raw)) {
    if (!NOT_CONTEXT.has(key) && value !== undefined && value !== null) context[key] = value;
  }
  if (response.fhirContext) context['fhirContext'] = response.fhirContext;
  const set: TokenSet = { accessToken: response.access_token, receivedAt, context };
  if (response.expires_in !== undefined) set.expiresAt = receivedAt + response.expires_in * 1000;
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  if (refreshToken !== undefined) set.refreshToken = refreshToken;
  const scope = response.scope ?? previous?.scope;
  if (scope !== undefined) set.scope = scope;
  const idToken = response.id_token ?? previous?.idToken;
  if (idToken !== undefined) set.idToken = idToken;
  return set;
}

/**
 * When a token should be renewed: after `ratio` (default 0.8) of its lifetime, but no later than
 * `skewMs` before it expires. Undefined when the lifetime is unknown.
 */
export function renewalTime(tokens: TokenSet, ratio = 0.8, skewMs = 0): number | undefined {
  if (tokens.expiresAt === undefined) return undefined;
  const lifetime = Math.max(0, tokens.expiresAt - tokens.receivedAt);
  return Math.min(tokens.receivedAt + lifetime * ratio, tokens.expiresAt - skewMs);
}

/** A stored token set and its version for compare-and-swap. */
export interface StoredTokens {
  tokens: TokenSet;
  /** Opaque version; changes on every successful write. */
  version: number;
}

/**
 * Where a session's tokens live (e.g. an encrypted row in PostgreSQL). Writes are
 * compare-and-swap so that a rotated refresh token is never lost to a concurrent writer.
 */
export interface TokenStore {
  /** The current tokens, or undefined when there are none. */
  load(): Promise<StoredTokens | undefined>;
  /**
   * Atomically replaces the tokens if the stored version is still `expectedVersion` (undefined =
   * nothing stored yet). Returns the new record, or undefined when another writer got there
   * first (nothing written).
   */
  compareAndSwap(
    expectedVersion: number | undefined,
    tokens: TokenSet,
  ): Promise<StoredTokens | undefined>;
}

/** A {@link TokenStore} in memory (tests, single-process tools). */
export class InMemoryTokenStore implements TokenStore {
  #record: StoredTokens | undefined;
  #nextVersion = 1;

  constructor(initial?: TokenSet) {
    if (initial) this.#record = { tokens: initial, version: this.#nextVersion++ };
  }

  async load(): Promise<StoredTokens | undefined> {
    return this.#record;
  }

  async compareAndSwap(
    expectedVersion: number | undefined,
    tokens: TokenSet,
  ): Promise<StoredTokens | undefined> {
    if (this.#record?.version !== expectedVersion) return undefined;
    this.#record = { tokens, version: this.#nextVersion++ };
    return this.#record;
  }
}
