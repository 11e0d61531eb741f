import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** A random, URL-safe token with `bytes` bytes of entropy (codes, launch ids, refresh tokens). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Codes and tokens are stored as SHA-256 digests so a database read cannot replay them. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** scrypt hash for client secrets: `scrypt$<salt>$<hash>`. */
export function hashClientSecret(secret: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${scryptSync(secret, salt, 32).toString('base64url')}`;
}

export function clientSecretMatches(secret: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const computed = scryptSync(secret, Buffer.from(salt, 'base64url'), 32);
  const expected = Buffer.from(hash, 'base64url');
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
