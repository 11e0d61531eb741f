import { describe, expect, it } from 'vitest';

import { createMemoryReplayCache } from './replay-cache.js';

describe('cds-hooks.md JWT-3 step 6, JWT-6 — in-memory jti replay cache', () => {
  it('reports a jti the second time, until it expires', () => {
    const clock = { ms: 1_000_000 };
    const cache = createMemoryReplayCache({ now: () => clock.ms });
    expect(cache.seen('a', 1_100, 'iss')).toBe(false);
    expect(cache.seen('a', 1_100, 'iss')).toBe(true);
    clock.ms = 1_100_000;
    expect(cache.seen('a', 1_400, 'iss')).toBe(false);
    expect(cache.seen('a', 1_400, 'iss')).toBe(true);
  });

  it('keeps issuers apart', () => {
    const cache = createMemoryReplayCache({ now: () => 0 });
    expect(cache.seen('a', 100, 'https://ehr-1')).toBe(false);
    expect(cache.seen('a', 100, 'https://ehr-2')).toBe(false);
  });

  it('stays within maxEntries, dropping expired entries first, then the oldest', () => {
    const clock = { ms: 0 };
    const cache = createMemoryReplayCache({ now: () => clock.ms, maxEntries: 3 });
    cache.seen('a', 10, 'i');
    cache.seen('b', 1_000, 'i');
    cache.seen('c', 1_000, 'i');
    clock.ms = 20_000;
    cache.seen('d', 1_000, 'i');
    expect(cache.size).toBe(3);
    expect(cache.seen('b', 1_000, 'i')).toBe(true);
    cache.seen('e', 1_000, 'i');
    expect(cache.size).toBe(3);
    expect(cache.seen('b', 1_000, 'i')).toBe(false);
  });
});
