#!/usr/bin/env node
// npm run web:build: the dashboard (apps/web) built by Vite into dist/web with hashed asset
// names, then its size printed (raw and gzip), the number the issue asks the build to report.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist', 'web');
const started = Date.now();
// Jest's NODE_ENV=test (the e2e setup builds too) would otherwise give React's development build.
process.env.NODE_ENV = 'production';
await build({ configFile: join(root, 'apps', 'web', 'vite.config.mts'), mode: 'production', logLevel: 'warn' });

let raw = 0;
let gzip = 0;
const files = [];
for (const dir of [out, join(out, 'assets')]) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const body = readFileSync(path);
    raw += body.length;
    gzip += gzipSync(body).length;
    files.push(`${path.slice(out.length + 1)} ${(body.length / 1024).toFixed(1)} kB`);
  }
}
console.log(`[web] built dist/web in ${Date.now() - started} ms: ${files.join(', ')}`);
console.log(`[web] bundle size: ${(raw / 1024).toFixed(1)} kB (${(gzip / 1024).toFixed(1)} kB gzip)`);
