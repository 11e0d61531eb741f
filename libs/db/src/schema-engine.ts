import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';
import { parse } from 'pg-connection-string';

type SchemaEngine = Awaited<ReturnType<typeof engineBindings.SchemaEngine.new>>;

let wasmReady: Promise<void> | undefined;

/** Node's WebAssembly global, typed narrowly: @types/node 20 does not declare it. */
const wasmRuntime = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(
        bytes: Uint8Array,
        imports: Record<string, object>,
      ): Promise<{ instance: { exports: Record<string, unknown> } }>;
    };
  }
).WebAssembly;

/**
 * The package's own entry imports the `.wasm` file bundler-style, which plain Node refuses, so the
 * module is instantiated by hand once per process. No native engine and no network are needed.
 */
function loadEngineWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@prisma/schema-engine-wasm');
    const bytes = await readFile(entry.replace(/schema_engine\.js$/, 'schema_engine_bg.wasm'));
    const { instance } = await wasmRuntime.instantiate(bytes, {
      './schema_engine_bg.js': engineBindings,
    });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  })();
  return wasmReady;
}

function connectionFields(databaseUrl: string): pg.PoolConfig {
  const parsed = parse(databaseUrl);
  return {
    host: parsed.host ?? undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    user: parsed.user,
    password: parsed.password,
    database: parsed.database ?? undefined,
    max: 2,
  };
}

const pgCharOid = 18;
const pgTextOid = 25;

interface PgResultLike {
  fields: { dataTypeID: number }[];
}
type Queryable = { performIO?: (...args: unknown[]) => Promise<PgResultLike> };

/**
 * Two gaps of @prisma/adapter-pg 7.10 when it serves the schema engine:
 * - the schema describer selects catalog columns of PostgreSQL's one-byte `"char"` type, which the
 *   adapter rejects; pg already returns those values as strings, so they are reported as text;
 * - `executeScript` splits a migration on every `;`, breaking function bodies; the script is sent
 *   whole instead (one simple-protocol query, which PostgreSQL runs atomically).
 */
function patchForSchemaEngine<T extends object>(queryable: T): T {
  const target = queryable as T & Queryable & { startTransaction?: (...args: unknown[]) => Promise<object> };
  const performIO = target.performIO?.bind(target);
  if (performIO) {
    target.performIO = async (...args: unknown[]) => {
      const result = await performIO(...args);
      for (const field of result.fields) if (field.dataTypeID === pgCharOid) field.dataTypeID = pgTextOid;
      return result;
    };
  }
  const driver = (target as { underlyingDriver?: () => unknown }).underlyingDriver?.();
  if (driver && typeof (driver as pg.Pool).query === 'function' && 'executeScript' in target) {
    (target as { executeScript: (script: string) => Promise<void> }).executeScript = async (
      script: string,
    ) => {
      await (driver as pg.Pool).query(script);
    };
  }
  const startTransaction = target.startTransaction?.bind(target);
  if (startTransaction) {
    target.startTransaction = async (...args: unknown[]) => patchForSchemaEngine(await startTransaction(...args));
  }
  return queryable;
}

/**
 * Driver adapter factory for the schema engine. Its shadow database (used to replay migrations
 * when diffing) is created and dropped here because @prisma/adapter-pg 7.10 drops the shadow
 * database before closing its own pool, which PostgreSQL refuses.
 */
function migrationAdapterFactory(
  databaseUrl: string,
  opened: SqlDriverAdapter[],
): SqlMigrationAwareDriverAdapterFactory {
  const fields = connectionFields(databaseUrl);
  const main = new PrismaPg(fields);
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => {
      const adapter = patchForSchemaEngine(await main.connect());
      opened.push(adapter);
      return adapter;
    },
    async connectToShadowDb(): Promise<SqlDriverAdapter> {
      const shadow = `bedside_shadow_${randomUUID().replaceAll('-', '')}`;
      const admin = new pg.Client(fields);
      await admin.connect();
      await admin.query(`CREATE DATABASE "${shadow}"`);
      const adapter = patchForSchemaEngine(
        await new PrismaPg({ ...fields, database: shadow }).connect(),
      );
      const closePool = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await closePool();
        await admin.query(`DROP DATABASE IF EXISTS "${shadow}" WITH (FORCE)`);
        await admin.end();
      };
      return adapter;
    },
  };
}

/** Runs `work` with a schema engine connected to `databaseUrl`, and frees it afterwards. */
export async function withSchemaEngine<T>(
  databaseUrl: string,
  schemaFiles: readonly { path: string; content: string }[],
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadEngineWasm();
  // The engine never closes the pools it opens; they are closed here so the database can be
  // renamed or dropped right after a migration.
  const opened: SqlDriverAdapter[] = [];
  try {
    const engine = await engineBindings.SchemaEngine.new(
      { datamodels: schemaFiles.map((file): [string, string] => [file.path, file.content]) },
      () => undefined,
      bindMigrationAwareSqlAdapterFactory(migrationAdapterFactory(databaseUrl, opened)),
    );
    try {
      return await work(engine);
    } finally {
      engine.free();
    }
  } finally {
    await Promise.all(opened.map((adapter) => adapter.dispose()));
  }
}
