import { randomBytes } from 'node:crypto';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { createPrismaClient, type PrismaClient } from '@bedside/db';
import { createTestDatabase, type TestDatabase } from '@bedside/db/testing';

import { createBffApp } from '../src/bootstrap.js';
import { loadBffConfig, type BffConfig } from '../src/config.js';
import { startFakeEhr, type FakeEhr } from './fake-ehr.js';

export const clientId = 'bedside-test';

export interface BffHarness {
  config: BffConfig;
  app: NestFastifyApplication;
  baseUrl: string;
  prisma: PrismaClient;
  ehr: FakeEhr;
  registrationId: string;
  close(): Promise<void>;
}

/** The BFF on a real port over a fresh PostgreSQL database, registered with a strict fake EHR. */
export async function startBff(): Promise<BffHarness> {
  const database: TestDatabase = await createTestDatabase();
  const ehr = await startFakeEhr(clientId);
  const config = loadBffConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    BFF_PORT: '3001',
    APP_PUBLIC_URL: 'http://app.test:3000',
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'silent',
  });
  const prisma = createPrismaClient(database.url, { maxConnections: 3 });
  const registration = await prisma.ehrRegistration.create({
    data: {
      issuer: ehr.fhirBaseUrl,
      displayName: 'Fake EHR',
      vendor: 'generic',
      clientId,
      clientType: 'public',
      tokenEndpointAuthMethod: 'none',
      redirectUris: [config.callbackUrl],
      launchUrl: `${config.appPublicUrl}/launch`,
      scopes: {
        create: [
          { scope: 'launch', justification: 'Open on the EHR’s current patient.', position: 0 },
          { scope: 'openid', justification: 'Know who is signed in.', position: 1 },
          { scope: 'fhirUser', justification: 'Know who is signed in.', position: 2 },
          { scope: 'patient/Patient.rs', justification: 'Show name and birth date.', position: 3 },
        ],
      },
    },
  });
  const app = await createBffApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    config,
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    prisma,
    ehr,
    registrationId: registration.id,
    async close() {
      await app.close();
      await ehr.close();
      await prisma.$disconnect();
      await database.drop();
    },
  };
}
