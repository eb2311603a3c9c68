#!/usr/bin/env node
// Bundles one app (or every app) into dist/apps/<app>/main.js: workspace libraries
// are inlined, npm packages stay external, so `node dist/apps/<app>/main.js` runs it.
// Usage: node tools/build/build.mjs [app ...]   (no argument: every app and tools)
import { execFile } from 'node:child_process';
import { build } from 'esbuild';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { swcPlugin } from './swc-plugin.mjs';
import { testHooksEnabled, testHooksPlugin } from './test-hooks-plugin.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// CERTCTL_BUILD_OUT_DIR: where the service bundles go (default dist/; the build's own tests use a temp dir).
const outRoot = process.env.CERTCTL_BUILD_OUT_DIR || join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// asn1js comes with pkijs: it stays external too, so code building pkijs structures shares pkijs' one copy
// (pkijs tells ASN.1 types apart with instanceof; a bundled second copy reads as "not an OCTET STRING").
const TRANSITIVE_EXTERNAL = ['asn1js'];
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {}), ...TRANSITIVE_EXTERNAL].flatMap(
  (d) => [d, `${d}/*`],
);

const entries = {};
for (const app of readdirSync(join(root, 'apps'))) {
  if (app === 'agent') continue; // not a service: bundled whole, dependencies included, by build-agent.mjs
  const main = join(root, 'apps', app, 'src', 'main.ts');
  if (existsSync(main)) entries[`apps/${app}`] = main;
}
entries['tools/seed'] = join(root, 'tools', 'db', 'seed.ts');
entries['tools/rekey'] = join(root, 'tools', 'db', 'rekey.ts');
entries['tools/run-stack'] = join(root, 'tools', 'run-stack.ts');
entries['tools/single-process'] = join(root, 'tools', 'single-process.ts');
entries['tools/api-docs'] = join(root, 'tools', 'docs', 'api-docs.ts');
entries['tools/renewal-scan-bench'] = join(root, 'tools', 'bench', 'renewal-scan.ts');
entries['tools/bus-config'] = join(root, 'tools', 'infra', 'bus-config.ts');
entries['tools/challenge-test-server'] = join(root, 'tools', 'testing', 'challenge-test-server.ts');

// Built by their own scripts (run as child processes): the agent and the CLI bundle are one file each, every dependency inlined.
// The dashboard (apps/web) is a Vite build of its own (tools/web/build.mjs prints the bundle size).
const scripts = {
  'apps/agent': join(root, 'tools', 'build', 'build-agent.mjs'),
  // The CLI as one file (dist/certctl.js, docs/cli.md); dist/apps/cli/main.js above is what `npx certctl` runs.
  'apps/cli-bundle': join(root, 'tools', 'build', 'build-cli-bundle.mjs'),
  'apps/web': join(root, 'tools', 'web', 'build.mjs'),
};

const wanted = process.argv.slice(2);
const selected = wanted.length
  ? wanted.map((w) => (w.includes('/') ? w : `apps/${w}`))
  : [...Object.keys(entries), ...Object.keys(scripts)];
for (const name of selected) {
  if (!entries[name] && !scripts[name]) {
    console.error(`[build] unknown target ${name}; known: ${[...Object.keys(entries), ...Object.keys(scripts)].join(', ')}`);
    process.exit(2);
  }
}

const started = Date.now();
const runScript = (file) =>
  new Promise((resolvePromise, reject) =>
    execFile(process.execPath, [file], (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} failed: ${stderr || err.message}`));
      else resolvePromise(stdout);
    }),
  );
await Promise.all([
  ...selected.filter((name) => scripts[name]).map((name) => runScript(scripts[name]).then((out) => void process.stdout.write(out))),
  ...selected
    .filter((name) => entries[name])
    .map((name) =>
      build({
        entryPoints: [entries[name]],
        outfile: join(outRoot, name.startsWith('apps/') ? `${name}/main.js` : `${name}.js`),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: true,
        external,
        tsconfig: join(root, 'tsconfig.base.json'),
        plugins: [testHooksPlugin(testHooksEnabled()), swcPlugin()],
        logLevel: 'warning',
      }),
    ),
]);
console.log(`[build] ${selected.join(', ')} in ${Date.now() - started} ms${testHooksEnabled() ? ' (with test hooks)' : ''}`);
