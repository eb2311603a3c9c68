import type { Command } from 'commander';
import type { CliContext } from '../context';
import { columns, seg } from './shared';

const EAB_COLUMNS = columns(
  ['ID', 'id'],
  ['PROFILE', 'profile_id'],
  ['DESCRIPTION', 'description'],
  ['ACCOUNT', 'account_id'],
  ['CREATED', 'created_at'],
  ['BOUND', 'bound_at'],
);

export function registerAcme(program: Command, ctx: () => CliContext): void {
  const acme = program.command('acme').description('the ACME server');
  const eab = acme.command('eab').description('external account binding keys');

  eab
    .command('create')
    .description('create an EAB key for a profile (the HMAC key is shown once)')
    .requiredOption('--profile <id>', 'ACME profile id')
    .option('--description <text>', 'what it is for')
    .action(async (opts: { profile: string; description?: string }) =>
      ctx().output.record(await ctx().client.post('/api/v1/acme/eab-keys', { profile_id: opts.profile, description: opts.description })),
    );

  eab
    .command('list')
    .description('list EAB keys (never the HMAC keys)')
    .action(async () => ctx().output.list(await ctx().client.get<{ data: unknown[] }>('/api/v1/acme/eab-keys'), EAB_COLUMNS));

  eab
    .command('delete <id>')
    .description('delete an unused EAB key')
    .action(async (id: string) => {
      const answer = await ctx().client.delete(`/api/v1/acme/eab-keys/${seg(id)}`);
      ctx().output.document(answer ?? { id, deleted: true }, `deleted ${id}\n`);
    });
}
