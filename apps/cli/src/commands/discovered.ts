import { type Command, Option } from 'commander';
import { discoverySourceSchema, discoveryStatusSchema } from '@certctl/contracts';
import type { CliContext } from '../context';
import { addPagingOptions, columns, listCommand, positiveInt, seg } from './shared';

const DISCOVERED_COLUMNS = columns(
  ['ID', 'id'],
  ['STATUS', 'status'],
  ['SOURCE', 'source'],
  ['LOCATION', 'location'],
  ['SUBJECT', 'subject'],
  ['EXPIRES', 'not_after'],
  ['MANAGED AS', 'managed_certificate_id'],
);

interface ClaimOptions {
  certificate?: string;
  name?: string;
  owner?: string;
  team?: string;
  policy?: string;
  issuer?: string;
}

/** The claim body: link to a managed certificate (--certificate) or import as a new one. */
export function claimBody(opts: ClaimOptions) {
  if (opts.certificate) return { certificate_id: opts.certificate };
  return {
    import: { name: opts.name, owner_id: opts.owner, team_id: opts.team, renewal_policy_id: opts.policy, issuer_id: opts.issuer },
  };
}

/** Certificates agents found on disk and network scans found on the wire (the discovered-certificates API). */
export function registerDiscovered(program: Command, ctx: () => CliContext): void {
  const discovered = program.command('discovered').description('discovered certificates: list, claim (manage) or dismiss');

  addPagingOptions(discovered.command('list').description('list discovered certificates'))
    .addOption(new Option('--status <status>', 'triage status').choices(discoveryStatusSchema.options))
    .addOption(new Option('--source <source>', 'who found it').choices(discoverySourceSchema.options))
    .option('--agent <id>', 'found by this agent')
    .option('--expiring-within <days>', 'expiring within this many days', positiveInt)
    .option('--text <text>', 'substring of the subject, issuer, location or a SAN')
    .action((opts) =>
      listCommand(
        ctx(),
        '/api/v1/discovered-certificates',
        { status: opts.status, source: opts.source, agent_id: opts.agent, expiring_within_days: opts.expiringWithin, q: opts.text },
        opts,
        DISCOVERED_COLUMNS,
      ),
    );

  discovered
    .command('claim <id>')
    .description('manage it: link to a managed certificate (--certificate) or import it as a new managed certificate')
    .option('--certificate <id>', 'the managed certificate one of whose versions it is')
    .option('--name <name>', 'import: the managed certificate name (default: derived from its common name)')
    .option('--owner <id>', 'import: owner id')
    .option('--team <id>', 'import: team id')
    .option('--policy <id>', 'import: renewal policy id')
    .option('--issuer <id>', 'import: the issuer renewals go to')
    .action(async (id: string, opts: ClaimOptions) =>
      ctx().output.record(await ctx().client.post(`/api/v1/discovered-certificates/${seg(id)}/claim`, claimBody(opts))),
    );

  discovered
    .command('dismiss <id>')
    .description('not ours to manage: hide it from the unmanaged list')
    .option('--reason <text>', 'why')
    .action(async (id: string, opts: { reason?: string }) =>
      ctx().output.record(
        await ctx().client.post(`/api/v1/discovered-certificates/${seg(id)}/dismiss`, opts.reason ? { reason: opts.reason } : {}),
      ),
    );
}
