import pg from 'pg';

import type { PrismaClient } from '@bedside/db';

/**
 * The few SQL calls the FHIR store makes. Parameters are always text (or null) and results are
 * cast in SQL (`::text`, `::int`), so the same statements run over a `pg` pool (the server's fast
 * path) and over Prisma's raw queries (callers that only hold a PrismaClient).
 */
export interface Sql {
  query<T>(text: string, values?: readonly (string | null)[]): Promise<T[]>;
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
}

export function poolSql(pool: pg.Pool): Sql {
  const onClient = (client: pg.PoolClient): Sql => ({
    query: async <T>(text: string, values: readonly (string | null)[] = []) =>
      (await client.query(text, values as unknown[])).rows as T[],
    transaction: (work) => work(onClient(client)),
  });
  return {
    query: async <T>(text: string, values: readonly (string | null)[] = []) =>
      (await pool.query(text, values as unknown[])).rows as T[],
    async transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(onClient(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

type RawClient = Pick<PrismaClient, '$queryRawUnsafe'>;

export function prismaSql(prisma: PrismaClient): Sql {
  const over = (client: RawClient): Sql => ({
    query: <T>(text: string, values: readonly (string | null)[] = []) =>
      client.$queryRawUnsafe<T[]>(text, ...values),
    transaction: (work) => work(over(client)),
  });
  return {
    ...over(prisma),
    transaction: (work) =>
      prisma.$transaction((tx) => work(over(tx as unknown as RawClient)), { timeout: 60_000 }),
  };
}

/** A pool for the FHIR server's queries; `pg` returns int8 as text, which the store expects. */
export function createFhirPool(databaseUrl: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  // An idle connection the server drops must not crash the process; the pool replaces it.
  pool.on('error', (error) =>
    console.warn(`sandbox-ehr: idle database connection lost: ${error.message}`),
  );
  return pool;
}
