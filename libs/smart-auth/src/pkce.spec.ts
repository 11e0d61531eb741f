import { describe, expect, it } from 'vitest';

import { countingRandom } from '../test/fixtures.js';
import {
  computeCodeChallenge,
  generateCodeVerifier,
  generateNonce,
  generatePkcePair,
  generateState,
} from './pkce.js';

describe('SMART App Launch 2.2 §PKCE (PKCE-01, PKCE-03, PKCE-05)', () => {
  it('computes the RFC 7636 Appendix B challenge', async () => {
    await expect(computeCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).resolves.toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('verifiers are 43 base64url characters from 32 random bytes', () => {
    const verifier = generateCodeVerifier();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateCodeVerifier()).not.toBe(verifier);
  });

  it('uses the injected random source (32 bytes)', () => {
    const requested: number[] = [];
    const random = (n: number) => {
      requested.push(n);
      return countingRandom()(n);
    };
    expect(generateCodeVerifier({ random })).toBe('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
    expect(requested).toEqual([32]);
  });

  it('rejects a random source that returns too few bytes', () => {
    expect(() => generateCodeVerifier({ random: () => new Uint8Array(16) })).toThrow(
      'random source returned 16 bytes, expected 32',
    );
  });

  it.each([
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(129)],
    ['outside the unreserved set', `${'a'.repeat(42)}+`],
  ])('rejects a verifier that is %s', async (_label, verifier) => {
    await expect(computeCodeChallenge(verifier)).rejects.toThrow(
      'code_verifier must be 43-128 characters of [A-Za-z0-9-._~]',
    );
  });

  it('generatePkcePair returns a matching S256 pair', async () => {
    const pair = await generatePkcePair();
    expect(pair.codeChallengeMethod).toBe('S256');
    expect(pair.codeChallenge).toBe(await computeCodeChallenge(pair.codeVerifier));
  });
});

describe('SMART App Launch 2.2 §app-protection — state and nonce (STATE-01)', () => {
  it.each([
    ['state', generateState],
    ['nonce', generateNonce],
  ])('%s has 256 bits from the CSPRNG and is URL-safe', (_name, generate) => {
    const values = new Set(Array.from({ length: 200 }, () => generate()));
    expect(values.size).toBe(200);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
