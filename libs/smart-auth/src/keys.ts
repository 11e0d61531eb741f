import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

import type { ClientAssertionAlg, PrivateKeyInput } from './client-assertion.js';
import type { ClientAuthentication } from './token-request.js';
import type { JWK } from 'jose';

/** A client signing key: the private key and its public JWK (with `kid`, `alg`, `use`). */
export interface SigningKey {
  privateKey: PrivateKeyInput;
  publicJwk: JWK;
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  kid: string;
  alg: ClientAssertionAlg;
}

/**
 * Generates an RS384 (RSA 2048) or ES384 (P-384) key pair for client assertions, with
 * `kid` = RFC 7638 thumbprint. The private key is non-extractable unless `extractable` is set
 * (set it only when the key must be persisted, and store it encrypted).
 * See: SMART App Launch 2.2 §client-confidential-asymmetric (CAUTH-02, CAUTH-03).
 */
export async function generateSigningKey(
  alg: ClientAssertionAlg,
  options: { extractable?: boolean } = {},
): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: options.extractable ?? false,
  });
  return signingKeyFromPublicJwk(privateKey, await exportJWK(publicKey), alg);
}

/** Builds a {@link SigningKey} from an existing key pair (kid = RFC 7638 thumbprint). */
export async function signingKeyFromPublicJwk(
  privateKey: PrivateKeyInput,
  publicJwk: JWK,
  alg: ClientAssertionAlg,
): Promise<SigningKey> {
  const bare = publicPart(publicJwk);
  const kid = await calculateJwkThumbprint(bare, 'sha256');
  return { privateKey, publicJwk: { ...bare, kid, alg, use: 'sig' }, kid, alg };
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

/** The public members of a JWK (drops `d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`, `priv`). */
function publicPart(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  if (copy['kty'] === 'oct') throw new TypeError('symmetric keys cannot be published');
  return copy as JWK;
}

/**
 * A JWKS document (`{ keys: [...] }`) with only the public parts of the given keys; duplicate
 * `kid`s are rejected (CAUTH-04: kid unique within the client's JWKS).
 * @throws {TypeError} on a duplicate kid or a symmetric key.
 */
export function buildJwks(keys: readonly (SigningKey | JWK)[]): { keys: JWK[] } {
  const seen = new Set<string>();
  const out: JWK[] = [];
  for (const key of keys) {
    const jwk = publicPart('publicJwk' in key ? (key.publicJwk as JWK) : (key as JWK));
    const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    if (kid === undefined) throw new TypeError('every published key needs a kid');
    if (seen.has(kid)) throw new TypeError(`duplicate kid ${kid}`);
    seen.add(kid);
    out.push(jwk);
  }
  return { keys: out };
}

/** Where a key is in its rotation. */
export type KeyState = 'next' | 'current' | 'retired';

export interface KeyRingEntry {
  key: SigningKey;
  state: KeyState;
  /** When the key was first published (entered the ring), ms. */
  publishedAt: number;
  /** For retired keys: when they leave the JWKS, ms. */
  removeAt?: number;
}

export interface KeyRingOptions {
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number;
  /**
   * How long a `next` key must have been published before it may sign: verifiers cache JWKS
   * (servers SHALL NOT cache longer than `Cache-Control`, CAUTH-06), so give them one cache
   * lifetime to see it. Default 1 hour.
   */
  minPublishSeconds?: number;
  /**
   * How long a retired key stays published after it stopped signing: longer than any assertion
   * it signed lives (≤ 5 min) plus verifier caching. Default 1 hour.
   */
  retireOverlapSeconds?: number;
}

/**
 * The client's signing keys through rotation: exactly one `current` key signs; a `next` key is
 * published ahead of use; `retired` keys stay published for an overlap period and are then
 * pruned. Rotation: {@link stageNext} → wait `minPublishSeconds` → {@link rotate}.
 * The ring is plain data ({@link entries}); persisting it (with private keys encrypted) is the
 * caller's job.
 */
export class KeyRing {
  #entries: KeyRingEntry[];
  readonly #now: () => number;
  readonly #minPublishMs: number;
  readonly #overlapMs: number;

  /** @throws {TypeError} unless there is exactly one current key and at most one next key. */
  constructor(entries: readonly KeyRingEntry[], options: KeyRingOptions = {}) {
    this.#entries = [...entries];
    this.#now = options.now ?? Date.now;
    this.#minPublishMs = (options.minPublishSeconds ?? 3600) * 1000;
    this.#overlapMs = (options.retireOverlapSeconds ?? 3600) * 1000;
    const count = (state: KeyState) =>
      this.#entries.filter((entry) => entry.state === state).length;
    if (count('current') !== 1) throw new TypeError('a key ring needs exactly one current key');
    if (count('next') > 1) throw new TypeError('a key ring has at most one next key');
    buildJwks(this.#entries.map((entry) => entry.key));
  }

  /** A ring with one freshly generated current key. */
  static async create(
    alg: ClientAssertionAlg,
    options: KeyRingOptions & { extractable?: boolean } = {},
  ): Promise<KeyRing> {
    const key = await generateSigningKey(alg, { extractable: options.extractable ?? false });
    const now = (options.now ?? Date.now)();
    return new KeyRing([{ key, state: 'current', publishedAt: now }], options);
  }

  /** The key that signs now. */
  get current(): SigningKey {
    return (this.#entries.find((entry) => entry.state === 'current') as KeyRingEntry).key;
  }

  /** A snapshot of the entries (for persistence). */
  entries(): readonly KeyRingEntry[] {
    return this.#entries.map((entry) => ({ ...entry }));
  }

  /**
   * The JWKS to publish: current, next and retired keys whose overlap has not ended (expired
   * retired keys are pruned first).
   */
  jwks(): { keys: JWK[] } {
    this.prune();
    return buildJwks(this.#entries.map((entry) => entry.key));
  }

  /**
   * Adds a `next` key (generated, or the one given) so it is published before it signs.
   * @throws {TypeError} when a next key already exists.
   */
  async stageNext(
    alg: ClientAssertionAlg = this.current.alg,
    key?: SigningKey,
  ): Promise<SigningKey> {
    if (this.#entries.some((entry) => entry.state === 'next')) {
      throw new TypeError('a next key is already staged');
    }
    const next = key ?? (await generateSigningKey(alg));
    buildJwks([...this.#entries.map((entry) => entry.key), next]);
    this.#entries.push({ key: next, state: 'next', publishedAt: this.#now() });
    return next;
  }

  /**
   * Promotes the `next` key to `current`; the old current key is `retired` and stays published
   * for `retireOverlapSeconds`.
   * @throws {TypeError} when no key is staged, or it has been published for less than
   *   `minPublishSeconds` (verifiers may not have fetched it yet).
   */
  rotate(): SigningKey {
    const now = this.#now();
    const next = this.#entries.find((entry) => entry.state === 'next');
    if (!next) throw new TypeError('no next key is staged');
    if (now - next.publishedAt < this.#minPublishMs) {
      throw new TypeError('the next key has not been published long enough to rotate');
    }
    this.#entries = this.#entries.map((entry) => {
      if (entry === next) return { ...entry, state: 'current' };
      if (entry.state === 'current')
        return { ...entry, state: 'retired', removeAt: now + this.#overlapMs };
      return entry;
    });
    return next.key;
  }

  /** Drops retired keys whose overlap has ended; returns their kids. */
  prune(): string[] {
    const now = this.#now();
    const removed = this.#entries.filter(
      (entry) => entry.state === 'retired' && entry.removeAt !== undefined && entry.removeAt <= now,
    );
    this.#entries = this.#entries.filter((entry) => !removed.includes(entry));
    return removed.map((entry) => entry.key.kid);
  }

  /** `private_key_jwt` client authentication with the current key. */
  clientAuthentication(
    clientId: string,
    options: { jku?: string } = {},
  ): Extract<ClientAuthentication, { method: 'private_key_jwt' }> {
    const key = this.current;
    return {
      method: 'private_key_jwt',
      clientId,
      privateKey: key.privateKey,
      kid: key.kid,
      alg: key.alg,
      ...(options.jku !== undefined ? { jku: options.jku } : {}),
    };
  }
}
