export { createPrismaClient, type DatabaseClientOptions } from './client.js';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
export {
  applyMigrations,
  createMigration,
  diffMigrationsToSchema,
  migrationsDir,
} from './migrations.js';
export * from './generated/prisma/client.js';
