import type { Command } from 'commander';
import type { CliContext } from '../context';
import { addPagingOptions, columns, listCommand, seg } from './shared';

const AGENT_COLUMNS = columns(
  ['ID', 'id'],
  ['NAME', 'name'],
  ['HOSTNAME', 'hostname'],
  ['STATUS', 'status'],
  ['VERSION', 'version'],
  ['LAST HEARTBEAT', 'last_heartbeat_at'],
);

export function registerAgents(program: Command, ctx: () => CliContext): void {
  const agents = program.command('agents').description('deployment agents');

  addPagingOptions(agents.command('list').description('list agents'))
    .option('--status <status>', 'agent status')
    .action((opts) => listCommand(ctx(), '/api/v1/agents', { status: opts.status }, opts, AGENT_COLUMNS));

  agents
    .command('get <id>')
    .description('one agent')
    .action(async (id: string) => ctx().output.record(await ctx().client.get(`/api/v1/agents/${seg(id)}`)));

  agents
    .command('retire <id>')
    .description('retire an agent (POST /api/v1/agents/{id}/retire)')
    .action(async (id: string) => ctx().output.record(await ctx().client.post(`/api/v1/agents/${seg(id)}/retire`)));
}
