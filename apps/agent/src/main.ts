import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load-config';
import { agentLog } from './log';
import { AgentRuntime } from './runtime/agent-runtime';
import { AgentStop } from './runtime/stop';
import { AGENT_VERSION } from './version';

const HELP = `certctl-agent ${AGENT_VERSION}: deploys certificates issued by certctl to this host

Usage: certctl-agent [--config <file>] [--once]

  --config <file>  settings file, JSON or YAML (or CERTCTL_AGENT_CONFIG); CERTCTL_* variables override it
  --once           one cycle (recover, heartbeat, poll, finish the jobs, discover) then exit
  --version        print the version
  --help           this text

Exit codes: 0 stopped (or retired by the server), 2 invalid configuration, 3 credentials refused.
See docs/agent.md for every setting.`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { config: { type: 'string' }, once: { type: 'boolean' }, version: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (args.help || args.version) {
    process.stdout.write(args.help ? `${HELP}\n` : `${AGENT_VERSION}\n`);
    return 0;
  }

  const loaded = loadConfig(args.config ?? process.env.CERTCTL_AGENT_CONFIG, process.env);
  if (!loaded.ok) {
    process.stderr.write(loaded.problems.map((line) => `${line}\n`).join(''));
    return 2;
  }
  const config = loaded.config;
  const http = { baseUrl: config.server_url, ca: config.ca_bundle ? readFileSync(config.ca_bundle) : undefined };
  const runtime = new AgentRuntime(config, http);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => runtime.halt(new AgentStop(0, `received ${signal}; stopping`)));
  }
  agentLog.info({ version: AGENT_VERSION, server_url: config.server_url, agent_name: config.agent_name }, 'certctl-agent starting');
  return runtime.run(Boolean(args.once));
}

main().then(
  (code) => agentLog.flush(() => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`certctl-agent: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
