/**
 * Remembers the `jti` of accepted CDS Client JWTs (cds-hooks.md JWT-3 step 6, JWT-6). Services
 * with replicas implement it over a shared store (PostgreSQL: insert the `(issuer, jti)` pair
 * with a unique key, delete rows past `expiresAt`).
 */
export interface ReplayCache {
  /**
   * Returns true if `(issuer, jti)` was recorded before and has not expired; otherwise records it
   * and returns false. Must be atomic across replicas. `expiresAt` (epoch seconds) is the token's
   * `exp` plus the clock tolerance: keep the entry at least that long.
   */
  seen(jti: string, expiresAt: number, issuer: string): boolean | Promise<boolean>;
}

export interface MemoryReplayCacheOptions {
  /** Clock in ms; defaults to `Date.now`. */
  now?: () => number;
  /** Upper bound on remembered entries (default 100 000); the oldest go first. */
  maxEntries?: number;
}

export interface MemoryReplayCache extends ReplayCache {
  seen(jti: string, expiresAt: number, issuer: string): boolean;
  /** Entries currently held (expired ones may linger until the next sweep). */
  readonly size: number;
}

/**
 * An in-process {@link ReplayCache} for tests and single-instance deployments. It does not
 * protect a service that runs several replicas.
 */
export function createMemoryReplayCache(options: MemoryReplayCacheOptions = {}): MemoryReplayCache {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, number>();
  let insertsSinceSweep = 0;

  const sweep = (nowSeconds: number) => {
    for (const [key, expiresAt] of entries) if (expiresAt <= nowSeconds) entries.delete(key);
    insertsSinceSweep = 0;
  };

  return {
    get size() {
      return entries.size;
    },
    seen(jti: string, expiresAt: number, issuer: string): boolean {
      const nowSeconds = Math.floor(now() / 1000);
      const key = `${issuer}\n${jti}`;
      const known = entries.get(key);
      if (known !== undefined && known > nowSeconds) return true;
      if (insertsSinceSweep >= 1024 || entries.size >= maxEntries) sweep(nowSeconds);
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
      entries.delete(key);
      entries.set(key, expiresAt);
      insertsSinceSweep += 1;
      return false;
    },
  };
}
