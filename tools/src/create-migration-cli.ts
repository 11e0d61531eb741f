/**
 * `npm run db:migration:create -- <name>`: writes the next migration from the difference between
 * libs/db/prisma/migrations and the Prisma schema (libs/db/prisma/schema/). It replays the migrations into a throw-away shadow
 * database, so it needs a PostgreSQL server: DATABASE_URL, else the local one on 127.0.0.1:5432.
 */
import { createMigration } from '@bedside/db';

const name = process.argv[2];
if (!name) {
  console.error('Usage: npm run db:migration:create -- <name>   (lower-case letters, digits, _)');
  process.exit(2);
}
const url = process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

createMigration(url, name)
  .then((folder) => {
    console.log(
      folder
        ? `Wrote ${folder}/migration.sql — review it, then commit it.`
        : 'The Prisma schema matches the migrations: nothing to write.',
    );
  })
  .catch((error: unknown) => {
    console.error(
      `db:migration:create failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  });
