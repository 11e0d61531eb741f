import { SignJWT } from 'jose';

import { base64urlEncode } from './internal/encoding.js';
import { epochSeconds } from './internal/http.js';
import { webCryptoRandom } from './internal/random.js';

import type { RandomSource } from './internal/random.js';
import type { CryptoKey, KeyObject } from 'jose';

/** Signing algorithms a SMART client SHALL support for asymmetric authentication (CAUTH-03). */
export type ClientAssertionAlg = 'RS384' | 'ES384';

/** A private key usable by jose: a WebCrypto `CryptoKey` or, in Node, a `KeyObject`. */
export type PrivateKeyInput = CryptoKey | KeyObject;

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Default assertion lifetime: 4 minutes, inside the 5-minute ceiling (CAUTH-05). */
export const DEFAULT_ASSERTION_LIFETIME_SECONDS = 240;

export interface ClientAssertionParams {
  clientId: string;
  /** The token endpoint URL, exactly: it becomes `aud` (CAUTH-05). */
  tokenEndpoint: string;
  privateKey: PrivateKeyInput;
  kid: string;
  alg: ClientAssertionAlg;
  /** Registered JWKS URL; when set it goes into the header as `jku` (CAUTH-04). */
  jku?: string;
  /** Lifetime in seconds, 1–300; default 240. */
  lifetimeSeconds?: number;
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number;
  /** Random source for `jti`; default WebCrypto. */
  random?: RandomSource;
}

/**
 * Signs a client assertion for `private_key_jwt` (RFC 7523 §2.2): header `{alg, kid, typ: "JWT",
 * jku?}`, claims `iss = sub = client_id`, `aud = token endpoint`, `iat`, `exp ≤ now + 5 min`, and a
 * fresh 256-bit `jti`. Never reuse the result (BS-06).
 * See: SMART App Launch 2.2 §client-confidential-asymmetric "Authenticating to the Token endpoint".
 * @throws {RangeError} when the lifetime is outside 1–300 s.
 */
export async function createClientAssertion(params: ClientAssertionParams): Promise<string> {
  const lifetime = params.lifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS;
  // CAUTH-05: exp SHALL be no more than five minutes in the future.
  if (!(lifetime >= 1 && lifetime <= 300)) {
    throw new RangeError('client assertion lifetime must be between 1 and 300 seconds');
  }
  if (!params.kid) throw new TypeError('kid is required in a client assertion header (CAUTH-04)');
  const iat = epochSeconds((params.now ?? Date.now)());
  const jti = base64urlEncode((params.random ?? webCryptoRandom)(32));
  return new SignJWT({})
    .setProtectedHeader({
      alg: params.alg,
      kid: params.kid,
      typ: 'JWT',
      ...(params.jku !== undefined ? { jku: params.jku } : {}),
    })
    .setIssuer(params.clientId)
    .setSubject(params.clientId)
    .setAudience(params.tokenEndpoint)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .setJti(jti)
    .sign(params.privateKey);
}
