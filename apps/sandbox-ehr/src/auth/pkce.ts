import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: 43-128 characters from the unreserved set. */
const verifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is always 43 characters. */
const s256ChallengePattern = /^[A-Za-z0-9\-_]{43}$/;

export function isWellFormedVerifier(verifier: string): boolean {
  return verifierPattern.test(verifier);
}

export function isWellFormedS256Challenge(challenge: string): boolean {
  return s256ChallengePattern.test(challenge);
}

/** RFC 7636 §4.6: S256 comparison, in constant time. */
export function verifierMatchesChallenge(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
