import { PrismaPg } from '@prisma/adapter-pg';

import { PrismaClient } from './generated/prisma/client.js';

export interface DatabaseClientOptions {
  /** Connections in this process's pool. Keep it small against the embedded database. */
  maxConnections?: number;
}

/**
 * A Prisma client over the `pg` driver adapter: no native query engine, same code against the
 * embedded database and a real PostgreSQL server.
 */
export function createPrismaClient(
  databaseUrl: string,
  options: DatabaseClientOptions = {},
): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  return new PrismaClient({ adapter });
}

export type { PrismaClient };
