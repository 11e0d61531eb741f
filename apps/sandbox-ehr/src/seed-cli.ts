import { createPrismaClient } from '@bedside/db';

import { defaultAppAllowedScope, seedSandbox } from './seed/seed.js';

/**
 * `node dist/seed-cli.js` — seeds the sandbox's demo data and registers the development app.
 * Reads DATABASE_URL and WEB_PUBLIC_URL (the app's public base, default http://localhost:3000).
 */
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) {
  console.error('sandbox-ehr seed: DATABASE_URL is not set.');
  process.exit(1);
}
const prisma = createPrismaClient(databaseUrl, { maxConnections: 2 });
try {
  const result = await seedSandbox(prisma, {
    clientId: process.env['WEB_CLIENT_ID'] ?? 'bedside-web',
    name: 'Bedside',
    appBaseUrl: process.env['WEB_PUBLIC_URL'] ?? 'http://localhost:3000',
    allowedScope: defaultAppAllowedScope,
  });
  console.log(`sandbox-ehr seed: ${result.patients} demo patients ready.`);
} finally {
  await prisma.$disconnect();
}
