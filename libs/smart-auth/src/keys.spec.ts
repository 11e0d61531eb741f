import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';

import { createClock } from '../test/fixtures.js';
import { createClientAssertion } from './client-assertion.js';
import { KeyRing, buildJwks, generateSigningKey } from './keys.js';

describe('SMART App Launch 2.2 §client-confidential-asymmetric — keys (CAUTH-02..04)', () => {
  it.each([
    ['RS384', 'RSA', ['n', 'e']],
    ['ES384', 'EC', ['crv', 'x', 'y']],
  ] as const)(
    '%s: kid is the RFC 7638 thumbprint; the JWK is public only',
    async (alg, kty, members) => {
      const key = await generateSigningKey(alg);
      expect(key.publicJwk).toMatchObject({ kty, alg, use: 'sig', kid: key.kid });
      for (const member of members) expect(key.publicJwk).toHaveProperty(member);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        expect(key.publicJwk).not.toHaveProperty(secret);
      expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
      if (alg === 'ES384') expect(key.publicJwk.crv).toBe('P-384');
    },
  );

  it('a server can verify our assertion with the published JWKS', async () => {
    const key = await generateSigningKey('ES384');
    const jwt = await createClientAssertion({
      clientId: 'c',
      tokenEndpoint: 'https://ehr/token',
      privateKey: key.privateKey,
      kid: key.kid,
      alg: key.alg,
    });
    const { protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(buildJwks([key])), {
      audience: 'https://ehr/token',
    });
    expect(protectedHeader.kid).toBe(key.kid);
  });

  it('buildJwks strips private members and rejects duplicate kids and symmetric keys', () => {
    const jwks = buildJwks([{ kty: 'EC', crv: 'P-384', x: 'x', y: 'y', d: 'secret', kid: 'a' }]);
    expect(jwks).toEqual({ keys: [{ kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'a' }] });
    expect(() =>
      buildJwks([
        { kty: 'EC', kid: 'a' },
        { kty: 'EC', kid: 'a' },
      ]),
    ).toThrow('duplicate kid a');
    expect(() => buildJwks([{ kty: 'EC' }])).toThrow('every published key needs a kid');
    expect(() => buildJwks([{ kty: 'oct', k: 'c2VjcmV0', kid: 's' }])).toThrow(
      'symmetric keys cannot be published',
    );
  });
});

describe('KeyRing — rotation current/next/retired with overlap', () => {
  it('stage → publish → rotate → retire → prune', async () => {
    const clock = createClock();
    const ring = await KeyRing.create('ES384', {
      now: clock.now,
      minPublishSeconds: 600,
      retireOverlapSeconds: 900,
    });
    const first = ring.current;
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([first.kid]);

    const next = await ring.stageNext();
    expect(ring.current).toBe(first); // next is published, not signing
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([first.kid, next.kid]);
    await expect(ring.stageNext()).rejects.toThrow('a next key is already staged');

    clock.advance(599_000);
    expect(() => ring.rotate()).toThrow(
      'the next key has not been published long enough to rotate',
    );
    clock.advance(1_000);
    expect(ring.rotate()).toBe(next);
    expect(ring.current).toBe(next);
    expect(ring.entries().map((e) => e.state)).toEqual(['retired', 'current']);
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([first.kid, next.kid]);

    clock.advance(899_999);
    expect(ring.prune()).toEqual([]);
    clock.advance(1);
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([next.kid]);
    expect(() => ring.rotate()).toThrow('no next key is staged');
  });

  it('clientAuthentication signs with the current key', async () => {
    const ring = await KeyRing.create('RS384');
    expect(ring.clientAuthentication('app', { jku: 'https://app/jwks' })).toEqual({
      method: 'private_key_jwt',
      clientId: 'app',
      privateKey: ring.current.privateKey,
      kid: ring.current.kid,
      alg: 'RS384',
      jku: 'https://app/jwks',
    });
  });

  it('rejects rings without exactly one current key or with two next keys', async () => {
    const a = await generateSigningKey('ES384');
    const b = await generateSigningKey('ES384');
    expect(() => new KeyRing([])).toThrow('a key ring needs exactly one current key');
    expect(
      () =>
        new KeyRing([
          { key: a, state: 'current', publishedAt: 0 },
          { key: b, state: 'current', publishedAt: 0 },
        ]),
    ).toThrow('a key ring needs exactly one current key');
    const c = await generateSigningKey('ES384');
    expect(
      () =>
        new KeyRing([
          { key: a, state: 'current', publishedAt: 0 },
          { key: b, state: 'next', publishedAt: 0 },
          { key: c, state: 'next', publishedAt: 0 },
        ]),
    ).toThrow('a key ring has at most one next key');
  });
});
