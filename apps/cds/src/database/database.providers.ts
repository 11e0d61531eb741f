import type { Provider } from '@nestjs/common';
import pg from 'pg';

import { createPrismaClient } from '@bedside/db';

import { CDS_CONFIG, type CdsConfig } from '../config.js';

export const PRISMA = Symbol('PRISMA');
/** A plain `pg` pool for the hot paths (jti replay check, audit batches); Prisma for the rest. */
export const PG_POOL = Symbol('PG_POOL');

export const prismaProvider: Provider = {
  provide: PRISMA,
  inject: [CDS_CONFIG],
  useFactory: (config: CdsConfig) =>
    createPrismaClient(config.databaseUrl, { maxConnections: Math.max(2, config.dbPoolSize >> 1) }),
};

export const pgPoolProvider: Provider = {
  provide: PG_POOL,
  inject: [CDS_CONFIG],
  useFactory: (config: CdsConfig) =>
    new pg.Pool({ connectionString: config.databaseUrl, max: Math.max(2, config.dbPoolSize) }),
};
