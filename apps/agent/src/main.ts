// Placeholder entry of the agent daemon for its packaging (tools/build/build-agent.mjs): the
// agent's own entry, with its configuration and its loop, replaces this file.
declare const CERTCTL_AGENT_VERSION: string | undefined;

const version = typeof CERTCTL_AGENT_VERSION === 'string' ? CERTCTL_AGENT_VERSION : '0.0.0-dev';
const args = process.argv.slice(2);

if (args.includes('--version')) {
  process.stdout.write(`certctl-agent ${version}\n`);
} else if (args.includes('--help')) {
  process.stdout.write(`Usage: certctl-agent [--version] [--help]\n\nThe certctl agent ${version}: see docs/agent.md.\n`);
} else {
  process.stderr.write('certctl-agent: this build has no daemon yet; try --help\n');
  process.exitCode = 2;
}
