#!/usr/bin/env node
// Applies prisma/migrations/*/migration.sql in order, recording each in Prisma's own
// `_prisma_migrations` table (same columns and checksums), so `prisma migrate deploy`
// and this runner agree on what has been applied. A PostgreSQL advisory lock keeps
// concurrent runners (several replicas starting at once) from racing.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'prisma', 'migrations');
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('[migrate] DATABASE_URL is not set');
  process.exit(2);
}
const LOCK_ID = 72707369; // arbitrary, stable

const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
  await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
  const { rows } = await client.query(
    'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
  );
  const applied = new Map(rows.map((r) => [r.migration_name, r]));
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
  let count = 0;
  for (const name of names) {
    const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    const prev = applied.get(name);
    if (prev) {
      if (!prev.finished_at) throw new Error(`migration ${name} started but never finished; fix the database by hand`);
      if (prev.checksum !== checksum) console.warn(`[migrate] warning: ${name} was edited after it was applied`);
      continue;
    }
    const id = randomUUID();
    process.stdout.write(`[migrate] applying ${name} ... `);
    await client.query('BEGIN');
    try {
      await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())', [
        id,
        checksum,
        name,
      ]);
      await client.query(sql);
      await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
      await client.query('COMMIT');
      count++;
      console.log('done');
    } catch (err) {
      await client.query('ROLLBACK');
      console.log('failed');
      throw err;
    }
  }
  console.log(`[migrate] ${count} applied, ${names.length - count} already up to date`);
} catch (err) {
  console.error(`[migrate] ${err.message}`);
  process.exitCode = 1;
} finally {
  await client.end();
}
