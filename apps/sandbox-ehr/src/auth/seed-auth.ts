import type { PrismaClient } from '@bedside/db';

import { hashClientSecret } from './secrets.js';

/** The sandbox's demo password for its demo users (shown on the login page). */
export const DEMO_PASSWORD = 'sandbox';

/**
 * The users of the standalone launch's login page: a practitioner and a patient. Idempotent;
 * an existing password is kept.
 */
export async function seedSandboxUsers(prisma: PrismaClient): Promise<void> {
  const users = [
    {
      id: 'ann-lee',
      username: 'ann.lee',
      displayName: 'Dr. Ann Lee',
      fhirUser: 'Practitioner/practitioner-ann-lee',
    },
    {
      id: 'amy-shaw',
      username: 'amy.shaw',
      displayName: 'Amy Shaw',
      fhirUser: 'Patient/pat-amy-shaw',
    },
  ];
  for (const user of users) {
    const existing = await prisma.sandboxUser.findUnique({ where: { id: user.id } });
    if (existing?.passwordHash) continue;
    await prisma.sandboxUser.upsert({
      where: { id: user.id },
      create: { ...user, passwordHash: hashClientSecret(DEMO_PASSWORD) },
      update: { passwordHash: hashClientSecret(DEMO_PASSWORD) },
    });
  }
}
