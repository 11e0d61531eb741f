/**
 * `npm run seed -- --patients N --seed S [--import <ndjson folder | bundle.json>]...`
 * Generates N deterministic synthetic patients of seed S into the sandbox's database (idempotent:
 * patients already there are skipped) and imports Bulk NDJSON folders or Bundles.
 * Reads DATABASE_URL (default: the local PostgreSQL on 127.0.0.1:5432).
 */
import { parseArgs } from 'node:util';

import { createPrismaClient } from '@bedside/db';

import { importPath } from './fhir/importer.js';
import { ResourceStore } from './fhir/resource-store.js';
import { createFhirPool } from './fhir/sql.js';
import { generateIntoStore } from './seed/generator.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    import: { type: 'string', multiple: true, default: [] },
  },
});
const patients = Number(values.patients);
const seed = Number(values.seed);
if (!Number.isInteger(patients) || patients < 0 || !Number.isInteger(seed)) {
  console.error('Usage: npm run seed -- --patients N --seed S [--import <folder|bundle.json>]');
  process.exit(2);
}
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const prisma = createPrismaClient(databaseUrl, { maxConnections: 2 });
const pool = createFhirPool(databaseUrl, 3);
const store = new ResourceStore(prisma, pool);
try {
  if (patients > 0) {
    const started = performance.now();
    let lastReport = 0;
    const result = await generateIntoStore(store, {
      patients,
      seed,
      onProgress: (done, resources) => {
        if (performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          console.log(`  ${done}/${patients} patients, ${resources} resources written`);
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `seed: ${result.patients} new patients (${patients - result.patients} already present), ${result.resources} resources in ${seconds.toFixed(1)} s` +
        (result.resources > 0 ? ` (${Math.round(result.resources / seconds)} resources/s)` : ''),
    );
  }
  for (const path of values.import) {
    const report = await importPath(store, path);
    console.log(
      `import ${path}: ${report.imported} resources` +
        (Object.keys(report.skipped).length
          ? `, skipped types ${JSON.stringify(report.skipped)}`
          : '') +
        (report.invalid.length
          ? `, ${report.invalid.length} invalid (${report.invalid.slice(0, 3).join('; ')})`
          : ''),
    );
  }
} finally {
  await pool.end();
  await prisma.$disconnect();
}
