import { base64urlEncode } from './internal/encoding.js';
import { webCryptoRandom } from './internal/random.js';

import type { RandomSource } from './internal/random.js';

export type { RandomSource } from './internal/random.js';

export interface RandomOptions {
  /** Random byte source; defaults to `globalThis.crypto.getRandomValues`. */
  random?: RandomSource;
}

function randomToken(byteLength: number, options: RandomOptions): string {
  const bytes = (options.random ?? webCryptoRandom)(byteLength);
  if (bytes.length !== byteLength) {
    throw new RangeError(`random source returned ${bytes.length} bytes, expected ${byteLength}`);
  }
  return base64urlEncode(bytes);
}

/**
 * A PKCE `code_verifier`: 32 CSPRNG bytes as base64url → 43 characters of `[A-Za-z0-9_-]`
 * (RFC 7636 §4.1 allows 43–128 of the unreserved set).
 * See: SMART App Launch 2.2 §app-launch "PKCE" (PKCE-01, PKCE-05).
 */
export function generateCodeVerifier(options: RandomOptions = {}): string {
  return randomToken(32, options);
}

/**
 * `code_challenge = BASE64URL(SHA-256(ASCII(code_verifier)))` (method `S256`), via WebCrypto.
 * See: RFC 7636 §4.2; SMART App Launch 2.2 requires S256 (PKCE-01).
 * @throws {RangeError} when the verifier is not 43–128 unreserved characters.
 */
export async function computeCodeChallenge(verifier: string): Promise<string> {
  // RFC 7636 §4.1: code_verifier = 43*128unreserved.
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
    throw new RangeError('code_verifier must be 43-128 characters of [A-Za-z0-9-._~]');
  }
  const digest = await globalThis.crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(verifier),
  );
  return base64urlEncode(new Uint8Array(digest));
}

/**
 * An OAuth `state`: 32 CSPRNG bytes (256 bits) as base64url.
 * See: SMART App Launch 2.2 §app-protection — ≥ 122 bits of entropy (STATE-01).
 */
export function generateState(options: RandomOptions = {}): string {
  return randomToken(32, options);
}

/** An OIDC `nonce`: 32 CSPRNG bytes as base64url. See: OIDC Core §3.1.2.1. */
export function generateNonce(options: RandomOptions = {}): string {
  return randomToken(32, options);
}

/** A PKCE pair ready for the authorization and token requests. */
export interface PkcePair {
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

/** Generates a verifier and its S256 challenge. */
export async function generatePkcePair(options: RandomOptions = {}): Promise<PkcePair> {
  const codeVerifier = generateCodeVerifier(options);
  return {
    codeVerifier,
    codeChallenge: await computeCodeChallenge(codeVerifier),
    codeChallengeMethod: 'S256',
  };
}
