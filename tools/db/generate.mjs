#!/usr/bin/env node
// `prisma generate` without downloading a schema engine: generation runs in Wasm; the
// CLI only needs PRISMA_SCHEMA_ENGINE_BINARY to name an existing file. Skipped when the
// generated client is newer than the schema.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const schema = join(root, 'prisma', 'schema.prisma');
const out = join(root, 'libs', 'database', 'src', 'generated', 'client.ts');
if (existsSync(out) && statSync(out).mtimeMs > statSync(schema).mtimeMs && !process.argv.includes('--force')) {
  console.log('[generate] Prisma client is up to date');
  process.exit(0);
}
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
execFileSync(join(root, 'node_modules', '.bin', 'prisma'), ['generate'], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
