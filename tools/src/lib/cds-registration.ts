import type { PrismaClient } from '@bedside/db';

/**
 * Registers the local sandbox EHR as a trusted CDS Client of the CDS service (idempotent): its
 * JWTs carry `iss` = the sandbox's URL and `jku` = its CDS JWKS URL (cds-hooks.md JWT-3, JWT-4).
 */
export async function registerSandboxWithCds(
  prisma: PrismaClient,
  options: { sandboxUrl: string },
): Promise<void> {
  const issuer = options.sandboxUrl.replace(/\/$/, '');
  const data = {
    displayName: 'Bedside sandbox EHR',
    jwksUrl: `${issuer}/cds-client/jwks.json`,
  };
  await prisma.cdsClient.upsert({ where: { issuer }, create: { issuer, ...data }, update: data });
}
