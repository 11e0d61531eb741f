import type { PrismaClient } from '@bedside/db';

import { SigningKeyStore } from './auth/signing-keys.js';
import { TokenService } from './auth/tokens.js';
import type { SandboxConfig } from './config.js';
import { ResourceStore } from './fhir/resource-store.js';
import { createFhirPool } from './fhir/sql.js';

/** What every route module of the sandbox shares. All state lives in PostgreSQL. */
export interface SandboxServices {
  config: SandboxConfig;
  prisma: PrismaClient;
  now: () => number;
  keys: SigningKeyStore;
  tokens: TokenService;
  store: ResourceStore;
}

export function createSandboxServices(
  config: SandboxConfig,
  prisma: PrismaClient,
  now: () => number = Date.now,
): SandboxServices {
  const keys = new SigningKeyStore(prisma);
  const pool = createFhirPool(config.databaseUrl, config.dbPoolSize);
  return {
    config,
    prisma,
    now,
    keys,
    tokens: new TokenService(config, keys, now, prisma, pool),
    store: new ResourceStore(prisma, pool, now),
  };
}
