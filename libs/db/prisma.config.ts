import { defineConfig } from 'prisma/config';

// The datasource URL only matters to Prisma CLI commands that talk to a database; this project
// migrates with its own offline command (`npm run db:migrate`), so generation needs none.
export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env['DATABASE_URL'] ?? 'postgresql://localhost:5432/bedside' },
});
