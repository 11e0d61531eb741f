import { SignJWT, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';

import type { CdsJwtAlgorithm } from './client-jwt.js';

export interface SignCdsClientJwtOptions {
  /** The CDS Client's private key (its public half is served in the JWKS at `jku`). */
  privateKey: CryptoKey | JWK;
  /** `kid` of the key in the client's JWK Set (REQUIRED). */
  kid: string;
  /** URL of the client's JWK Set (OPTIONAL; without it the set is exchanged out-of-band). */
  jku?: string;
  /** `iss`: the CDS Client's identifier (a URI). */
  issuer: string;
  /** `aud`: the exact URL being called (`…/cds-services`, `…/cds-services/{id}`, `…/feedback`). */
  audience: string;
  /** `tenant`: opaque organisation id (OPTIONAL). */
  tenant?: string;
  /** Defaults from the key: ES256/384/512 by curve for EC keys, RS384 for RSA keys. */
  alg?: CdsJwtAlgorithm;
  /** Seconds until `exp` (default 300 as the CDS Hooks sandbox does; at most 3600). */
  lifetimeSeconds?: number;
  /** Clock in ms; defaults to `Date.now`. */
  now?: () => number;
  /** Defaults to a random UUID. */
  jti?: string;
}

/**
 * Signs the JWT a CDS Client sends as `Authorization: Bearer <jwt>` on every call to a CDS
 * Service (CDS Hooks 2.0 §Trusting CDS Clients): header `alg`, `typ: JWT`, `kid`, `jku`; claims
 * `iss`, `aud`, `exp`, `iat`, `jti` and optional `tenant`. A fresh token per call.
 *
 * @throws {RangeError} when `lifetimeSeconds` is not in 1..3600.
 * @throws {TypeError} when the key cannot sign with the algorithm.
 * See: cds-hooks.md JWT-1, JWT-2, §14 (sandbox: ES384, exp = iat + 300).
 */
export async function signCdsClientJwt(options: SignCdsClientJwtOptions): Promise<string> {
  const lifetime = options.lifetimeSeconds ?? 300;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 3600) {
    throw new RangeError('lifetimeSeconds must be an integer from 1 to 3600');
  }
  const alg = options.alg ?? algorithmOf(options.privateKey);
  const key = isCryptoKey(options.privateKey)
    ? options.privateKey
    : await importJWK(options.privateKey, alg);
  const iat = Math.floor((options.now ?? Date.now)() / 1000);
  const jwt = new SignJWT(options.tenant === undefined ? {} : { tenant: options.tenant })
    .setProtectedHeader({
      alg,
      typ: 'JWT',
      kid: options.kid,
      ...(options.jku === undefined ? {} : { jku: options.jku }),
    })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .setJti(options.jti ?? globalThis.crypto.randomUUID());
  return jwt.sign(key);
}

function isCryptoKey(key: CryptoKey | JWK): key is CryptoKey {
  return typeof (key as CryptoKey).algorithm === 'object' && 'type' in key;
}

const EC_ALGORITHMS: Readonly<Record<string, CdsJwtAlgorithm>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
};

function algorithmOf(key: CryptoKey | JWK): CdsJwtAlgorithm {
  if (isCryptoKey(key)) {
    const algorithm = key.algorithm as {
      name: string;
      namedCurve?: string;
      hash?: { name: string };
    };
    if (algorithm.name === 'ECDSA') return EC_ALGORITHMS[algorithm.namedCurve ?? ''] ?? 'ES384';
    const bits = algorithm.hash?.name.replace('SHA-', '') ?? '384';
    if (algorithm.name === 'RSA-PSS') return `PS${bits}` as CdsJwtAlgorithm;
    return `RS${bits}` as CdsJwtAlgorithm;
  }
  if (typeof key.alg === 'string') return key.alg as CdsJwtAlgorithm;
  if (key.kty === 'EC') return EC_ALGORITHMS[key.crv ?? ''] ?? 'ES384';
  return 'RS384';
}
