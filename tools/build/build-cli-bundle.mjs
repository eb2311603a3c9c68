#!/usr/bin/env node
// Bundles the CLI (apps/cli/src/main.ts) into ONE file, dist/certctl.js, with every npm
// dependency and workspace library inlined: copy it anywhere and run it with only Node 20
// (docs/cli.md, "Installing the single-file certctl").
// Usage: node tools/build/build-cli-bundle.mjs [--outfile PATH]
import { bundleOneFile, outfileFromArgs } from './single-file.mjs';

await bundleOneFile({ label: 'build-cli-bundle', entry: 'apps/cli/src/main.ts', outfile: outfileFromArgs('certctl.js') });
