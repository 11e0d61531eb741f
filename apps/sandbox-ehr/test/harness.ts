import { createServer } from 'node:net';

import type { FastifyInstance } from 'fastify';

import { createPrismaClient, type PrismaClient } from '@bedside/db';
import { createTestDatabase, type TestDatabase } from '@bedside/db/testing';

import { buildSandboxApp } from '../src/app.js';
import { loadSandboxConfig, type SandboxConfig } from '../src/config.js';
import { defaultAppAllowedScope, seedSandbox } from '../src/seed/seed.js';

export const appBaseUrl = 'http://app.test:3000';
export const appClientId = 'bedside-web';
export const appRedirectUri = `${appBaseUrl}/callback`;

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface SandboxHarness {
  config: SandboxConfig;
  prisma: PrismaClient;
  app: FastifyInstance;
  baseUrl: string;
  fhirBaseUrl: string;
  /** The clock the sandbox reads; tests move it to expire codes and tokens. */
  clock: { now: number };
  close(): Promise<void>;
}

/** A sandbox EHR on a real port over a fresh database on the real PostgreSQL, seeded. */
export async function startSandbox(env: Record<string, string> = {}): Promise<SandboxHarness> {
  const database: TestDatabase = await createTestDatabase();
  const port = await freePort();
  const config = loadSandboxConfig({
    DATABASE_URL: database.url,
    SANDBOX_PORT: String(port),
    SANDBOX_PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const prisma = createPrismaClient(database.url, { maxConnections: 5 });
  await seedSandbox(prisma, {
    clientId: appClientId,
    name: 'Bedside',
    appBaseUrl,
    allowedScope: defaultAppAllowedScope,
  });
  const clock = { now: Date.now() };
  const app = await buildSandboxApp({ config, prisma, now: () => clock.now, logger: false });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    config,
    prisma,
    app,
    baseUrl: config.publicUrl,
    fhirBaseUrl: config.fhirBaseUrl,
    clock,
    async close() {
      await app.close();
      await prisma.$disconnect();
      await database.drop();
    },
  };
}
