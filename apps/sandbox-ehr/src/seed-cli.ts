import { createPrismaClient } from '@bedside/db';

import { ResourceStore } from './fhir/resource-store.js';
import { createFhirPool } from './fhir/sql.js';
import { generateIntoStore } from './seed/generator.js';
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
  await (await import('./seed/cds-demo-records.js')).seedCdsDemoRecords(new ResourceStore(prisma));
  // Generated patients next to the demo cast (idempotent: only missing patients are written).
  const generated = Number(process.env['SANDBOX_SEED_PATIENTS'] ?? '50');
  const pool = createFhirPool(databaseUrl, 1);
  try {
    const done = await generateIntoStore(new ResourceStore(prisma, pool), {
      patients: Number.isInteger(generated) && generated >= 0 ? generated : 50,
      seed: 1,
    });
    console.log(`sandbox-ehr seed: ${generated} generated patients ready (${done.patients} new).`);
  } finally {
    await pool.end();
  }
} finally {
  await prisma.$disconnect();
}
