#!/usr/bin/env node
// `certctl-mcp` from a checkout (`npx certctl-mcp ...`): runs dist/apps/mcp/main.js, building it
// first when it is missing (docs/mcp.md).
require('./launch').launch('mcp', 'certctl-mcp');
