import type { Provider } from '@nestjs/common';

import { createPrismaClient } from '@bedside/db';

import { BFF_CONFIG, type BffConfig } from '../config.js';

export const PRISMA = Symbol('PRISMA');

export const prismaProvider: Provider = {
  provide: PRISMA,
  inject: [BFF_CONFIG],
  useFactory: (config: BffConfig) =>
    createPrismaClient(config.databaseUrl, { maxConnections: config.dbPoolSize }),
};
