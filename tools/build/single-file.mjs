// One-file bundles that run with only Node 20 (no node_modules): every npm dependency and
// workspace library inlined, a shebang, mode 755, the source map beside. Used by
// build-agent.mjs (dist/certctl-agent.js) and build-cli-bundle.mjs (dist/certctl.js).
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { swcPlugin } from './swc-plugin.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** `--outfile PATH` from the command line, else dist/<name>. */
export function outfileFromArgs(name) {
  const at = process.argv.indexOf('--outfile');
  return at > 0 ? resolve(process.argv[at + 1]) : join(root, 'dist', name);
}

/** Bundles `entry` (relative to the repository) into `outfile`; logs what it wrote. */
export async function bundleOneFile({ label, entry, outfile, define = {}, plugins = [] }) {
  const started = Date.now();
  // A shebang of the entry itself is kept by the bundler: add one only when it has none.
  const hasShebang = readFileSync(join(root, entry), 'utf8').startsWith('#!');
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // Nothing external but Node's own modules: the file is the whole program.
    external: [],
    banner: hasShebang ? {} : { js: '#!/usr/bin/env node' },
    define,
    tsconfig: join(root, 'tsconfig.base.json'),
    plugins: [swcPlugin(), ...plugins],
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
  console.log(`[${label}] ${outfile} in ${Date.now() - started} ms`);
}
