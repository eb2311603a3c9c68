#!/usr/bin/env node
// Bundles the agent (apps/agent/src/main.ts) into ONE file, dist/certctl-agent.js, with every
// npm dependency and workspace library inlined: it runs with only Node 20 (no node_modules),
// which is what deploy/agent/install.sh and deploy/agent/Containerfile ship.
// Usage: node tools/build/build-agent.mjs [--outfile PATH]
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { swcPlugin } from './swc-plugin.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const at = process.argv.indexOf('--outfile');
const outfile = at > 0 ? resolve(process.argv[at + 1]) : join(root, 'dist', 'certctl-agent.js');

const started = Date.now();
/**
 * The AWS SDK tries (inside try/catch) to load the optional SigV4a and CRT signers, which are not
 * installed and which the aws-acm target never needs: they become a module that throws, as a
 * missing one would, instead of a require() of something absent from the one-file bundle.
 */
function optionalSdkSigners() {
  return {
    name: 'optional-sdk-signers',
    setup(b) {
      b.onResolve({ filter: /^@aws-sdk\/signature-v4(-crt|a)$/ }, (args) => ({ path: args.path, namespace: 'absent' }));
      b.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not part of the certctl agent bundle`)});`,
        loader: 'js',
      }));
    },
  };
}

await build({
  entryPoints: [join(root, 'apps', 'agent', 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // Nothing external but Node's own modules: the file is the whole agent.
  external: [],
  banner: { js: '#!/usr/bin/env node' },
  define: { CERTCTL_AGENT_VERSION: JSON.stringify(pkg.version) },
  tsconfig: join(root, 'tsconfig.base.json'),
  plugins: [swcPlugin(), optionalSdkSigners()],
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`[build-agent] ${outfile} in ${Date.now() - started} ms`);
