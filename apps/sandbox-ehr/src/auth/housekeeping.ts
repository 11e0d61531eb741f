import type { PrismaClient } from '@bedside/db';

/**
 * Deletes what can no longer be used: expired assertion `jti`s (a replay would fail on `exp`
 * anyway), revocations of tokens that expired, abandoned authorization requests, and codes.
 * @returns how many rows went, per table.
 */
export async function purgeExpiredAuthRows(
  prisma: PrismaClient,
  now: () => number = Date.now,
): Promise<Record<'jtis' | 'revocations' | 'requests' | 'codes', number>> {
  const before = { expiresAt: { lt: new Date(now()) } };
  const [jtis, revocations, requests, codes] = await prisma.$transaction([
    prisma.sandboxAssertionJti.deleteMany({ where: before }),
    prisma.sandboxRevocation.deleteMany({ where: before }),
    prisma.sandboxAuthorizationRequest.deleteMany({ where: before }),
    prisma.sandboxAuthorizationCode.deleteMany({ where: before }),
  ]);
  return {
    jtis: jtis.count,
    revocations: revocations.count,
    requests: requests.count,
    codes: codes.count,
  };
}
