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
 * A sliding-window limiter per key (one FHIR base, one token endpoint), shared by every session of
 * the process: at most `perMinute` requests start in any 60-second window, so a vendor counting
 * per calendar minute never sees more either (quirk row 46: eCW 250/min per practice base
 * including /token, athena 50 token requests/min). A caller that has to wait reserves its slot
 * first, so concurrent callers queue in order.
 */
export class RateLimiter {
  readonly #now: () => number;
  readonly #sleep: Sleep;
  /** Start times (ms) of the most recent requests per key, ascending; at most `perMinute` kept. */
  readonly #slots = new Map<string, number[]>();

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
    const now = this.#now();
    const slots = this.#slots.get(key) ?? [];
    const last = slots.at(-1) ?? now;
    const windowStart =
      slots.length >= perMinute ? (slots[slots.length - perMinute] ?? now) + 60_000 : now;
    const slot = Math.max(now, windowStart, slots.length >= perMinute ? last : now);
    slots.push(slot);
    if (slots.length > perMinute) slots.splice(0, slots.length - perMinute);
    this.#slots.set(key, slots);
    const wait = slot - now;
    if (wait > 0) await this.#sleep(wait);
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
