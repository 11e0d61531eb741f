import { randomBytes } from 'node:crypto';

/** The per-launch handle: not a secret, it only names which session cookie a tab uses. */
const handlePattern = /^[A-Za-z0-9_-]{16}$/;

export function newSessionHandle(): string {
  return randomBytes(12).toString('base64url');
}

export function isSessionHandle(value: unknown): value is string {
  return typeof value === 'string' && handlePattern.test(value);
}

/**
 * One cookie per launch, so two launches in one browser (two patients in two EHR tabs) never
 * overwrite each other. `__Host-` pins it to this origin and path.
 */
export function sessionCookieName(handle: string): string {
  return `__Host-bs-${handle}`;
}

/**
 * HttpOnly (no script can read it), Secure, SameSite=None and Partitioned (CHIPS) so it is sent
 * inside the EHR's iframe, whose top-level site is the EHR's.
 */
export function serializeSessionCookie(
  handle: string,
  value: string,
  maxAgeSeconds: number,
): string {
  return [
    `${sessionCookieName(handle)}=${value}`,
    'Path=/',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'Secure',
    'SameSite=None',
    'Partitioned',
  ].join('; ');
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
