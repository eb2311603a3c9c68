#!/usr/bin/env node
// `certctl-agent` from a checkout (package.json "bin", so `npx certctl-agent` works): runs the
// one-file agent bundle, building it first when it is missing.
'use strict';
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const bundle = join(root, 'dist', 'certctl-agent.js');
if (!existsSync(bundle)) {
  process.stderr.write('[certctl-agent] no bundle yet: building dist/certctl-agent.js (first use) ...\n');
  execFileSync(process.execPath, [join(root, 'tools', 'build', 'build-agent.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
require(bundle);
