#!/usr/bin/env node
// Benchmark of the scheduler's renewal scan over a fleet (default 100,000 certificates)
// and of notification delivery to a local webhook. Builds what it needs, runs
// tools/bench/renewal-scan.ts, prints the figures and writes
// loadtest/results/renewal-scan-<time>.json. Needs the local infrastructure (npm run infra:up).
//
//   node loadtest/renewal-scan.mjs [--certificates 100000] [--notifications 2000]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(ROOT, 'loadtest', 'results', `renewal-scan-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(dirname(out), { recursive: true });
execFileSync(process.execPath, [join(ROOT, 'tools', 'build', 'build.mjs'), 'inventory', 'notifications', 'tools/renewal-scan-bench'], {
  stdio: 'inherit',
});
execFileSync(
  process.execPath,
  ['--enable-source-maps', join(ROOT, 'dist', 'tools', 'renewal-scan-bench.js'), ...process.argv.slice(2), '--out', out],
  {
    stdio: 'inherit',
  },
);
console.log(`[bench] wrote ${out}`);
