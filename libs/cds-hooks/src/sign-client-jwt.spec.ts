import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { verifyCdsClientJwt } from './client-jwt.js';
import { createMemoryReplayCache } from './replay-cache.js';
import { signCdsClientJwt } from './sign-client-jwt.js';

const NOW_MS = 1_750_000_000_000;
const AUD = 'https://cds.example.org/cds-services/bedside-order-sign';

let rsaKey: CryptoKey;

beforeAll(async () => {
  rsaKey = (await generateKeyPair('RS384')).privateKey;
});

describe('CDS Hooks 2.0 §Trusting CDS Clients — signCdsClientJwt (JWT-1, JWT-2)', () => {
  it('signs RS384 with kid, jku, iss, aud, iat, exp = iat + 300, jti and tenant', async () => {
    const token = await signCdsClientJwt({
      privateKey: rsaKey,
      kid: 'sandbox-1',
      jku: 'https://sandbox.example.org/jwks',
      issuer: 'https://sandbox.example.org',
      audience: AUD,
      tenant: 'org-1',
      now: () => NOW_MS,
      jti: 'fixed-jti',
    });
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'RS384',
      typ: 'JWT',
      kid: 'sandbox-1',
      jku: 'https://sandbox.example.org/jwks',
    });
    expect(decodeJwt(token)).toEqual({
      iss: 'https://sandbox.example.org',
      aud: AUD,
      iat: 1_750_000_000,
      exp: 1_750_000_300,
      jti: 'fixed-jti',
      tenant: 'org-1',
    });
  });

  it('picks ES384 for a P-384 key, takes a private JWK, and mints a fresh UUID jti per call', async () => {
    const pair = await generateKeyPair('ES384', { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k' };
    const sign = () =>
      signCdsClientJwt({ privateKey: privateJwk, kid: 'k', issuer: 'https://c', audience: AUD });
    const [first, second] = await Promise.all([sign(), sign()]);
    expect(decodeProtectedHeader(first)).toEqual({ alg: 'ES384', typ: 'JWT', kid: 'k' });
    expect(decodeJwt(first).jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeJwt(first).jti).not.toBe(decodeJwt(second).jti);
    await expect(
      verifyCdsClientJwt(first, {
        audience: AUD,
        trustedIssuers: [{ iss: 'https://c', jwks: { keys: [publicJwk] } }],
        replayCache: createMemoryReplayCache(),
      }),
    ).resolves.toMatchObject({ issuer: 'https://c', alg: 'ES384' });
  });

  it.each([0, 3601, 1.5])('refuses lifetimeSeconds %s', async (lifetimeSeconds) => {
    await expect(
      signCdsClientJwt({
        privateKey: rsaKey,
        kid: 'k',
        issuer: 'i',
        audience: AUD,
        lifetimeSeconds,
      }),
    ).rejects.toThrow(new RangeError('lifetimeSeconds must be an integer from 1 to 3600'));
  });
});
