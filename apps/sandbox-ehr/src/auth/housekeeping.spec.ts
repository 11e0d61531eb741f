import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type SandboxHarness } from '../../test/harness.js';
import { purgeExpiredAuthRows } from './housekeeping.js';

describe('auth housekeeping — expired rows are deleted, live ones kept', () => {
  let sandbox: SandboxHarness;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('deletes expired jtis and revocations and keeps the others', async () => {
    const now = sandbox.clock.now;
    await sandbox.prisma.sandboxAssertionJti.createMany({
      data: [
        { issuer: 'c', jti: 'old', expiresAt: new Date(now - 1000) },
        { issuer: 'c', jti: 'live', expiresAt: new Date(now + 60_000) },
      ],
    });
    await sandbox.prisma.sandboxRevocation.create({
      data: { id: 'old-revocation', expiresAt: new Date(now - 1000) },
    });
    const purged = await purgeExpiredAuthRows(sandbox.prisma, () => now);
    expect(purged).toMatchObject({ jtis: 1, revocations: 1 });
    const left = await sandbox.prisma.sandboxAssertionJti.findMany({ where: { issuer: 'c' } });
    expect(left.map((row) => row.jti)).toEqual(['live']);
  });
});
