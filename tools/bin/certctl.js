#!/usr/bin/env node
// `certctl` from a checkout (`npx certctl ...`): runs dist/apps/cli/main.js, building it first
// when it is missing (docs/cli.md).
require('./launch').launch('cli', 'certctl');
