// Runs a bundled app from a checkout (dist/apps/<app>/main.js), building it first when it is
// missing: the launchers `certctl` (docs/cli.md) and `certctl-mcp` (docs/mcp.md).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

function launch(app, command) {
  const root = join(__dirname, '..', '..');
  const built = join(root, 'dist', 'apps', app, 'main.js');
  if (!existsSync(built)) {
    process.stderr.write(`${command}: building dist/apps/${app}/main.js first…\n`);
    const build = spawnSync(process.execPath, [join(root, 'tools', 'build', 'build.mjs'), app], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) {
      process.stderr.write(`${command}: the build failed (see above)\n`);
      process.exit(6);
    }
  }
  require(built);
}

module.exports = { launch };
