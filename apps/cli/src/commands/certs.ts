import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { certificateStatusSchema, revocationReasonSchema } from '@certctl/contracts';
import { CliError, ExitCode } from '@certctl/api-client';
import type { CliContext } from '../context';
import { addPagingOptions, collect, columns, listCommand, positiveInt, seg, sleep, tagPairs, TERMINAL_JOB_STATUSES } from './shared';

/** The API's own lists (libs/contracts), so a new status or reason reaches the CLI's choices. */
export const CERT_STATUSES: string[] = certificateStatusSchema.options;
export const REVOCATION_REASONS: string[] = revocationReasonSchema.options;

const CERT_COLUMNS = columns(
  ['ID', 'id'],
  ['NAME', 'name'],
  ['COMMON NAME', 'common_name'],
  ['STATUS', 'status'],
  ['ISSUER', 'issuer_id'],
  ['OWNER', 'owner_id'],
  ['TEAM', 'team_id'],
  ['EXPIRES', 'not_after'],
);

interface ListOptions {
  status?: string;
  issuer?: string;
  owner?: string;
  team?: string;
  expiringWithin?: number;
  text?: string;
  sort?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
}

/** The certificate list filters as the API's query parameters (shared with the bulk commands). */
export function certificateFilter(opts: ListOptions, now = Date.now()) {
  return {
    status: opts.status,
    issuer_id: opts.issuer,
    owner_id: opts.owner,
    team_id: opts.team,
    expires_before: opts.expiringWithin ? new Date(now + opts.expiringWithin * 86400000).toISOString() : undefined,
  };
}

/** The list filter options (shared with the bulk commands). */
export function addFilterOptions(command: Command): Command {
  return command
    .addOption(new Option('--status <status>', 'certificate status').choices(CERT_STATUSES))
    .option('--issuer <id>', 'issuer id')
    .option('--owner <id>', 'owner id')
    .option('--team <id>', 'team id')
    .option('--expiring-within <days>', 'expiring within this many days', positiveInt);
}

/** Polls a job until it ends (or `timeoutMs` passes); returns it. */
export async function waitForJob(
  ctx: CliContext,
  jobId: string,
  timeoutMs: number,
): Promise<{ status: string; last_error?: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await ctx.client.get<{ status: string; last_error?: string | null }>(`/api/v1/jobs/${seg(jobId)}`);
    if (TERMINAL_JOB_STATUSES.has(job.status)) return job;
    if (Date.now() > deadline)
      throw new CliError(`Job ${jobId} is still ${job.status}; watch it with: certctl jobs get ${jobId}`, ExitCode.failure);
    await sleep(500);
  }
}

export function registerCerts(program: Command, ctx: () => CliContext): void {
  const certs = program.command('certs').description('managed certificates');

  addPagingOptions(addFilterOptions(certs.command('list').description('list certificates')))
    .option('--text <text>', 'free text (name, common name, SANs)')
    .option('--sort <sort>', 'sort order the API accepts (e.g. not_after)')
    .action((opts: ListOptions) =>
      listCommand(ctx(), '/api/v1/certificates', { ...certificateFilter(opts), q: opts.text, sort: opts.sort }, opts, CERT_COLUMNS),
    );

  certs
    .command('get <id>')
    .description('one certificate')
    .action(async (id: string) => ctx().output.record(await ctx().client.get(`/api/v1/certificates/${seg(id)}`)));

  certs
    .command('create')
    .description('create a managed certificate (issued by its issuer right away)')
    .requiredOption('--name <name>', 'certificate name')
    .requiredOption('--cn <commonName>', 'common name')
    .option('--san <name>', 'subject alternative name (repeatable)', collect)
    .requiredOption('--issuer <id>', 'issuer id')
    .requiredOption('--owner <id>', 'owner id')
    .requiredOption('--team <id>', 'team id')
    .option('--policy <id>', 'renewal policy id')
    .option('--profile <id>', 'certificate profile id')
    .option('--agent <id>', 'agent that deploys it')
    .option('--target <id>', 'deployment target id (repeatable)', collect)
    .option('--env <environment>', 'environment label')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .action(async (opts) => {
      const body = {
        name: opts.name,
        common_name: opts.cn,
        sans: opts.san,
        issuer_id: opts.issuer,
        owner_id: opts.owner,
        team_id: opts.team,
        renewal_policy_id: opts.policy,
        profile_id: opts.profile,
        agent_id: opts.agent,
        target_ids: opts.target,
        environment: opts.env,
        tags: opts.tag ? tagPairs(opts.tag) : undefined,
      };
      ctx().output.record(await ctx().client.post('/api/v1/certificates', body));
    });

  certs
    .command('renew <id>')
    .description('renew now (queues a renewal job)')
    .option('--wait', 'wait until the renewal job ends')
    .option('--timeout <seconds>', 'how long --wait waits', positiveInt, 300)
    .action(async (id: string, opts: { wait?: boolean; timeout: number }) => {
      const queued = await ctx().client.post<{ job_id: string }>(`/api/v1/certificates/${seg(id)}/renew`);
      if (!opts.wait) return ctx().output.record(queued);
      const job = await waitForJob(ctx(), queued.job_id, opts.timeout * 1000);
      ctx().output.record({ ...queued, status: job.status, last_error: job.last_error ?? null });
      if (job.status !== 'completed')
        throw new CliError(`Renewal job ${queued.job_id} ${job.status}: ${job.last_error ?? ''}`, ExitCode.failure);
    });

  certs
    .command('revoke <id>')
    .description('revoke the current version')
    .addOption(new Option('--reason <reason>', 'RFC 5280 reason').choices(REVOCATION_REASONS).default('unspecified'))
    .action(async (id: string, opts: { reason: string }) =>
      ctx().output.record(await ctx().client.post(`/api/v1/certificates/${seg(id)}/revoke`, { reason: opts.reason })),
    );

  certs
    .command('export <id>')
    .description('write the current version as PEM (to stdout or --out)')
    .addOption(new Option('--part <part>', 'fullchain, leaf or chain').choices(['fullchain', 'leaf', 'chain']).default('fullchain'))
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (id: string, opts: { part: string; out?: string }) => {
      const pem = await ctx().client.text(`/api/v1/certificates/${seg(id)}/pem`, { part: opts.part });
      if (!opts.out) return ctx().output.raw(pem);
      writeFileSync(opts.out, pem, { mode: 0o644 });
      ctx().output.note(`wrote ${opts.part} of ${id} to ${opts.out}`);
    });
}
