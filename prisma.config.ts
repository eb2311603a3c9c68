import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI (`prisma generate`, `prisma migrate deploy`). The services
// read DATABASE_URL themselves; this file only serves the CLI.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://certctl@127.0.0.1:15432/certctl' },
});
