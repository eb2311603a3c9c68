#!/usr/bin/env node
// Bundles one app (or every app) into dist/apps/<app>/main.js: workspace libraries
// are inlined, npm packages stay external, so `node dist/apps/<app>/main.js` runs it.
// Usage: node tools/build/build.mjs [app ...]   (no argument: every app and tools)
import { build } from 'esbuild';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { swcPlugin } from './swc-plugin.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})].flatMap((d) => [d, `${d}/*`]);

const entries = {};
for (const app of readdirSync(join(root, 'apps'))) {
  const main = join(root, 'apps', app, 'src', 'main.ts');
  if (existsSync(main)) entries[`apps/${app}`] = main;
}
entries['tools/seed'] = join(root, 'tools', 'db', 'seed.ts');
entries['tools/rekey'] = join(root, 'tools', 'db', 'rekey.ts');
entries['tools/run-stack'] = join(root, 'tools', 'run-stack.ts');
entries['tools/api-docs'] = join(root, 'tools', 'docs', 'api-docs.ts');
entries['tools/renewal-scan-bench'] = join(root, 'tools', 'bench', 'renewal-scan.ts');
entries['tools/bus-config'] = join(root, 'tools', 'infra', 'bus-config.ts');
entries['tools/challenge-test-server'] = join(root, 'tools', 'testing', 'challenge-test-server.ts');

const wanted = process.argv.slice(2).filter((w) => w !== 'web');
// The dashboard (apps/web) is a Vite build, not an esbuild bundle: part of a full build or `build.mjs web`.
const withWeb = process.argv.length === 2 || process.argv.includes('web');
const all = process.argv.length === 2;
const selected = all ? Object.keys(entries) : wanted.map((w) => (w.includes('/') ? w : `apps/${w}`));
for (const name of selected) {
  if (!entries[name]) {
    console.error(`[build] unknown target ${name}; known: ${Object.keys(entries).join(', ')}`);
    process.exit(2);
  }
}

const started = Date.now();
await Promise.all(
  selected.map((name) =>
    build({
      entryPoints: [entries[name]],
      outfile: join(root, 'dist', name.startsWith('apps/') ? `${name}/main.js` : `${name}.js`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      external,
      tsconfig: join(root, 'tsconfig.base.json'),
      plugins: [swcPlugin()],
      logLevel: 'warning',
    }),
  ),
);
if (selected.length) console.log(`[build] ${selected.join(', ')} in ${Date.now() - started} ms`);
if (withWeb) await import('../web/build.mjs');
