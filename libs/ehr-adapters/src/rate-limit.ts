/** Waits `ms` milliseconds; injected so tests never sleep. */
export type Sleep = (ms: number) => Promise<void>;

export const defaultSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

export interface RateLimiterOptions {
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number;
  sleep?: Sleep;
}

/**
 * A token bucket per key (one FHIR base, one token endpoint), shared by every session of the
 * process: `acquire` resolves when a request may go out. A caller that has to wait reserves its
 * slot first, so concurrent callers queue fairly (quirk row 46: eCW 250/min per practice base,
 * athena 50 token requests/min).
 */
export class RateLimiter {
  readonly #now: () => number;
  readonly #sleep: Sleep;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: RateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Takes one request slot for `key` at `perMinute`; resolves at once when `perMinute` is
   * undefined (no known limit). Returns the milliseconds waited.
   */
  async acquire(key: string, perMinute: number | undefined): Promise<number> {
    if (perMinute === undefined || perMinute <= 0) return 0;
    const ratePerMs = perMinute / 60_000;
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * ratePerMs);
    bucket.at = now;
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 0) return 0;
    const wait = Math.ceil(-bucket.tokens / ratePerMs);
    await this.#sleep(wait);
    return wait;
  }
}

/**
 * Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date); undefined when
 * absent or unreadable. See: RFC 9110 §10.2.3.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
