import { z } from 'zod';

import type { CdsTrustedIssuer } from './client-jwt.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http on a loopback host (a local sandbox EHR); never anything else. */
function isKeyUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  } catch {
    return false;
  }
}

const keyUrl = z.string().refine(isKeyUrl, {
  message: 'must be an https URL (http only on localhost)',
});

const jwk = z.looseObject({ kty: z.string().min(1), kid: z.string().min(1) });

/**
 * zod schema of one trusted CDS Client, for an app's start-up configuration: `iss`, and at
 * least one key source (`jwks`, `jwksUrl`, `allowedJku`, `allowedJkuPrefixes`). Key URLs are
 * https (http only on loopback hosts). See cds-hooks.md JWT-3, JWT-4.
 */
export const cdsTrustedIssuerSchema = z
  .object({
    iss: z.string().min(1),
    jwks: z.object({ keys: z.array(jwk).min(1) }).optional(),
    jwksUrl: keyUrl.optional(),
    allowedJku: z.array(keyUrl).min(1).optional(),
    allowedJkuPrefixes: z.array(keyUrl).min(1).optional(),
    tenants: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine(
    (issuer) =>
      issuer.jwks !== undefined ||
      issuer.jwksUrl !== undefined ||
      issuer.allowedJku !== undefined ||
      issuer.allowedJkuPrefixes !== undefined,
    { message: 'needs jwks, jwksUrl, allowedJku or allowedJkuPrefixes' },
  );

/** The list of trusted CDS Clients; each `iss` appears once. */
export const cdsTrustedIssuersSchema = z.array(cdsTrustedIssuerSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((issuer, index) => {
    if (seen.has(issuer.iss)) {
      ctx.addIssue({ code: 'custom', path: [index, 'iss'], message: 'is listed twice' });
    }
    seen.add(issuer.iss);
  });
});

/**
 * Parses and freezes the trusted-issuer configuration once at start-up.
 *
 * @throws {TypeError} naming every invalid field.
 */
export function parseCdsTrustedIssuers(value: unknown): readonly CdsTrustedIssuer[] {
  const result = cdsTrustedIssuersSchema.safeParse(value);
  if (!result.success) {
    throw new TypeError(`Invalid CDS trusted issuers:\n${z.prettifyError(result.error)}`);
  }
  return Object.freeze(result.data.map((issuer) => Object.freeze(issuer as CdsTrustedIssuer)));
}
