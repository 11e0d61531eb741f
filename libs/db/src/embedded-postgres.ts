import { mkdir } from 'node:fs/promises';

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A `postgresql://` URL that `pg`, Prisma and psql can use. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder the database persists in (created when missing). */
  dataDir: string;
  port: number;
  host?: string;
}

/**
 * Starts PostgreSQL compiled to WebAssembly (PGlite), persisted under `dataDir` and served over the
 * Postgres wire protocol on a loopback port, so every app connects exactly as to a real server.
 *
 * PGlite is a single session underneath: the socket server runs one transaction at a time. Keep
 * transactions short and never wait inside one on another connection.
 * @throws Error with code `EADDRINUSE` when the port is taken.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port,
    maxConnections: 100,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    url: `postgresql://postgres@${host}:${options.port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
