import { describe, expect, it } from 'vitest';

import { RateLimiter, parseRetryAfter } from './rate-limit.js';

describe('RateLimiter — quirk row 46', () => {
  it('at most perMinute requests start in any 60-second window', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter({
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    for (let i = 0; i < 250; i++) expect(await limiter.acquire('base', 250)).toBe(0);
    expect(await limiter.acquire('base', 250)).toBe(60_000); // the window is full until t=60 s
    expect(await limiter.acquire('base', 250)).toBe(0); // the 2nd of the window at t=0 expired too
    expect(await limiter.acquire('other', 250)).toBe(0); // per key
    expect(waits).toEqual([60_000]);
    now += 1_000;
    let starts = 0;
    for (let i = 0; i < 500; i++) {
      await limiter.acquire('w', 10);
      if (now < 61_000 + 60_000) starts++;
    }
    expect(starts).toBeLessThanOrEqual(10);
  });

  it('no limit known: never waits', async () => {
    const limiter = new RateLimiter({ sleep: () => Promise.reject(new Error('no sleep')) });
    expect(await limiter.acquire('base', undefined)).toBe(0);
  });
});

describe('parseRetryAfter — RFC 9110 §10.2.3', () => {
  it.each([
    ['120', 120],
    [' 0 ', 0],
    ['Thu, 15 Jan 2026 10:01:00 GMT', 60],
    ['Thu, 15 Jan 2026 09:00:00 GMT', 0],
    ['soon', undefined],
    [null, undefined],
  ] as const)('%s → %s', (value, seconds) => {
    expect(parseRetryAfter(value, Date.UTC(2026, 0, 15, 10, 0, 0))).toBe(seconds);
  });
});
