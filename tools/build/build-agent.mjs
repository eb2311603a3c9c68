#!/usr/bin/env node
// Bundles the agent (apps/agent/src/main.ts) into ONE file, dist/certctl-agent.js, with every
// npm dependency and workspace library inlined: it runs with only Node 20 (no node_modules),
// which is what deploy/agent/install.sh and deploy/agent/Containerfile ship.
// Usage: node tools/build/build-agent.mjs [--outfile PATH]
import { bundleOneFile, outfileFromArgs, pkg } from './single-file.mjs';

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

await bundleOneFile({
  label: 'build-agent',
  entry: 'apps/agent/src/main.ts',
  outfile: outfileFromArgs('certctl-agent.js'),
  define: { CERTCTL_AGENT_VERSION: JSON.stringify(pkg.version) },
  plugins: [optionalSdkSigners()],
});
