#!/usr/bin/env node
// `certctl` from a checkout (`npx certctl ...`): runs dist/apps/cli/main.js, building it first
// when it is missing (docs/cli.md).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', '..');
const built = join(root, 'dist', 'apps', 'cli', 'main.js');
if (!existsSync(built)) {
  process.stderr.write('certctl: building the CLI (dist/apps/cli/main.js) first…\n');
  const build = spawnSync(process.execPath, [join(root, 'tools', 'build', 'build.mjs'), 'cli'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) {
    process.stderr.write('certctl: the build failed (see above)\n');
    process.exit(6);
  }
}
require(built);
