import { type Command, Option } from 'commander';
import type { CliContext } from '../context';
import { addPagingOptions, columns, listCommand, seg } from './shared';

const ROLES = ['viewer', 'operator', 'admin', 'agent'];
const KEY_COLUMNS = columns(
  ['ID', 'id'],
  ['NAME', 'name'],
  ['ROLE', 'role'],
  ['STATUS', 'status'],
  ['PREFIX', 'key_prefix'],
  ['LAST USED', 'last_used_at'],
  ['EXPIRES', 'expires_at'],
);

export function registerKeys(program: Command, ctx: () => CliContext): void {
  const keys = program.command('keys').description('API keys');

  addPagingOptions(keys.command('list').description('list API keys (never the keys themselves)'))
    .addOption(new Option('--role <role>', 'role').choices(ROLES))
    .addOption(new Option('--status <status>', 'status').choices(['active', 'disabled', 'expired']))
    .action((opts) => listCommand(ctx(), '/api/v1/api-keys', { role: opts.role, status: opts.status }, opts, KEY_COLUMNS));

  keys
    .command('create')
    .description('create an API key (the key is shown once, on stdout)')
    .requiredOption('--name <name>', 'key name (lowercase, digits, . _ -)')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).makeOptionMandatory())
    .option('--principal <name>', 'who acts with it (audit actor; default: the name)')
    .option('--agent <id>', 'the agent an agent key acts for')
    .option('--expires-at <iso>', 'expiry (ISO 8601)')
    .action(async (opts) => {
      const body = { name: opts.name, role: opts.role, principal: opts.principal, agent_id: opts.agent, expires_at: opts.expiresAt };
      ctx().output.record(await ctx().client.post('/api/v1/api-keys', body));
      ctx().output.note('Store the key now: the server keeps only its hash and never shows it again.');
    });

  keys
    .command('disable <id>')
    .description('disable an API key')
    .action(async (id: string) => ctx().output.record(await ctx().client.post(`/api/v1/api-keys/${seg(id)}/disable`)));
}
