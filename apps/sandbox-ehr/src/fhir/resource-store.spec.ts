import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Patient } from '@bedside/fhir-model';

import { startSandbox, type SandboxHarness } from '../../test/harness.js';
import { ResourceStore } from './resource-store.js';
import { createFhirPool } from './sql.js';

describe('ResourceStore over a single database connection (the embedded PGlite serves one)', () => {
  let sandbox: SandboxHarness;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('re-seeding unchanged content answers inside its transaction and keeps the version', async () => {
    const pool = createFhirPool(sandbox.config.databaseUrl, 1);
    try {
      const store = new ResourceStore(sandbox.prisma, pool);
      const patient: Patient & { id: string } = {
        resourceType: 'Patient',
        id: 'single-connection',
        name: [{ family: 'Once' }],
      };
      await store.upsert(patient);
      // A second connection inside the write's transaction would wait forever on a 1-connection
      // pool (as `npm start` did on its second run over PGlite).
      await store.upsert(patient);
      await store.upsert({ ...patient, name: [{ family: 'Twice' }] });
      const stored = await store.read('Patient', 'single-connection');
      expect(stored?.meta.versionId).toBe('2');
      expect((stored as Patient).name?.[0]?.family).toBe('Twice');
    } finally {
      await pool.end();
    }
  }, 15_000);
});
