import { Logger, type Provider } from '@nestjs/common';
import pg from 'pg';

import { BFF_CONFIG, type BffConfig } from '../config.js';

/** A plain `pg` pool for the two hot paths (session lookup, audit batches); Prisma for the rest. */
export const PG_POOL = Symbol('PG_POOL');

export const pgPoolProvider: Provider = {
  provide: PG_POOL,
  inject: [BFF_CONFIG],
  useFactory: (config: BffConfig) => {
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: Math.max(2, Math.ceil(config.dbPoolSize / 2)),
    });
    // An idle connection the server drops (restart, failover) must not crash the process; the
    // pool replaces it on the next checkout.
    const logger = new Logger('PgPool');
    pool.on('error', (error) => logger.warn(`idle database connection lost: ${error.message}`));
    return pool;
  },
};
