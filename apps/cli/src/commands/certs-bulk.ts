import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { CliError, ExitCode } from '@certctl/api-client';
import type { CliContext } from '../context';
import { Progress, type ProgressCounts } from '../output/progress';
import { REVOCATION_REASONS, addFilterOptions, certificateFilter } from './certs';
import { collect, seg, sleep, TERMINAL_JOB_STATUSES } from './shared';

interface SelectionOptions {
  id?: string[];
  file?: string;
  status?: string;
  issuer?: string;
  owner?: string;
  team?: string;
  expiringWithin?: number;
}

/** Certificate ids from --id and --file (one per line, `#` comments), or undefined for a filter. */
export function selectedIds(
  opts: SelectionOptions,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): string[] | undefined {
  const ids = [...(opts.id ?? [])];
  if (opts.file) {
    let text: string;
    try {
      text = readFile(opts.file);
    } catch (err) {
      throw new CliError(`Cannot read --file ${opts.file}: ${(err as Error).message}`, ExitCode.usage);
    }
    ids.push(
      ...text
        .split(/\r?\n/)
        .map((line) => line.replace(/#.*/, '').trim())
        .filter(Boolean),
    );
  }
  return ids.length ? [...new Set(ids)] : undefined;
}

const withoutEmpty = <T extends object>(doc: T) => Object.fromEntries(Object.entries(doc).filter(([, value]) => value !== undefined));

/** Runs `poll` until it reports every item finished, showing progress; Ctrl-C stops waiting only. */
export async function watch(
  ctx: CliContext,
  label: string,
  poll: () => Promise<ProgressCounts>,
  howToWatch: string,
): Promise<ProgressCounts | undefined> {
  const progress = new Progress({ tty: ctx.deps.errIsTty, write: (text) => !ctx.output.quiet && ctx.deps.err(text), label });
  let interrupted = false;
  const release = ctx.deps.onInterrupt(() => (interrupted = true));
  try {
    for (;;) {
      const counts = await poll();
      progress.update(counts);
      if (counts.done + counts.failed >= counts.total) {
        progress.finish();
        return counts;
      }
      for (let waited = 0; waited < 1000 && !interrupted; waited += 100) await sleep(100);
      if (interrupted) {
        progress.finish();
        ctx.output.note(`Stopped waiting; nothing was cancelled, the server keeps going. Watch it with: ${howToWatch}`);
        return undefined;
      }
    }
  } finally {
    release();
  }
}

interface BulkRenewResult {
  requested: number;
  queued: number;
  skipped: { certificate_id: string; reason: string }[];
  jobs: { certificate_id: string; job_id: string }[];
}

/** Polls the renewal jobs of a bulk renewal (eight at a time), remembering the ended ones. */
function renewalPoller(ctx: CliContext, result: BulkRenewResult, ended: Map<string, { status: string; last_error?: string | null }>) {
  return async (): Promise<ProgressCounts> => {
    const open = result.jobs.filter((job) => !ended.has(job.job_id));
    for (let start = 0; start < open.length; start += 8) {
      await Promise.all(
        open.slice(start, start + 8).map(async ({ job_id }) => {
          const job = await ctx.client.get<{ status: string; last_error?: string | null }>(`/api/v1/jobs/${seg(job_id)}`);
          if (TERMINAL_JOB_STATUSES.has(job.status)) ended.set(job_id, job);
        }),
      );
    }
    const failed = [...ended.values()].filter((job) => job.status !== 'completed').length;
    return { done: ended.size - failed, failed, total: result.jobs.length };
  };
}

export function registerCertsBulk(program: Command, ctx: () => CliContext): void {
  const certs = program.commands.find((command) => command.name() === 'certs')!;

  addFilterOptions(certs.command('bulk-renew').description('renew many certificates: --id, --file or filter flags'))
    .option('--id <id>', 'certificate id (repeatable)', collect)
    .option('--file <path>', 'file of certificate ids, one per line')
    .option('--no-wait', 'queue the renewals and return')
    .action(async (opts: SelectionOptions & { wait: boolean }) => {
      const ids = selectedIds(opts);
      const filter = withoutEmpty(certificateFilter(opts));
      if (!ids && !Object.keys(filter).length)
        throw new CliError('bulk-renew needs --id, --file or a filter (--status, --issuer, …)', ExitCode.usage);
      const result = await ctx().client.post<BulkRenewResult>('/api/v1/certificates/bulk-renew', ids ? { ids } : { filter });
      ctx().output.note(`queued ${result.queued} of ${result.requested} renewals (${result.skipped.length} skipped)`);
      const ended = new Map<string, { status: string; last_error?: string | null }>();
      const counts = opts.wait
        ? await watch(ctx(), 'renewing', renewalPoller(ctx(), result, ended), 'certctl jobs list --type renewal --status running')
        : undefined;
      const jobs = result.jobs.map((job) => ({
        ...job,
        status: ended.get(job.job_id)?.status ?? 'queued',
        last_error: ended.get(job.job_id)?.last_error ?? null,
      }));
      const summary = {
        requested: result.requested,
        queued: result.queued,
        renewed: counts?.done ?? 0,
        failed: counts?.failed ?? 0,
        skipped: result.skipped,
        jobs,
      };
      ctx().output.document(
        summary,
        `requested ${summary.requested}, queued ${summary.queued}, renewed ${summary.renewed}, failed ${summary.failed}, skipped ${summary.skipped.length}\n`,
      );
      if (summary.failed)
        throw new CliError(`${summary.failed} renewals failed (certctl jobs list --type renewal --status failed)`, ExitCode.failure);
    });

  certs
    .command('bulk-revoke')
    .description('revoke many certificates: --id, --file or --issuer/--owner/--team')
    .option('--id <id>', 'certificate id (repeatable)', collect)
    .option('--file <path>', 'file of certificate ids, one per line')
    .option('--issuer <id>', 'every certificate of this issuer')
    .option('--owner <id>', 'every certificate of this owner')
    .option('--team <id>', 'every certificate of this team')
    .addOption(
      new Option('--reason <reason>', 'RFC 5280 reason')
        .choices(REVOCATION_REASONS.filter((r) => r !== 'removeFromCRL'))
        .default('unspecified'),
    )
    .option('--no-wait', 'start the revocation and return')
    .action(async (opts: SelectionOptions & { reason: string; wait: boolean }) => {
      const ids = selectedIds(opts);
      const filter = withoutEmpty({ issuer_id: opts.issuer, owner_id: opts.owner, team_id: opts.team });
      if (!ids && !Object.keys(filter).length)
        throw new CliError('bulk-revoke needs --id, --file or --issuer/--owner/--team', ExitCode.usage);
      const started = await ctx().client.post<{ id: string }>('/api/v1/certificates/bulk-revoke', {
        ...(ids ? { ids } : filter),
        reason: opts.reason,
      });
      let last: unknown = started;
      if (opts.wait) {
        await watch(
          ctx(),
          'revoking',
          async () => {
            const state = await ctx().client.get<{ total: number; revoked: number; failed: number }>(
              `/api/v1/certificates/bulk-revoke/${seg(started.id)}`,
            );
            last = state;
            return { done: state.revoked, failed: state.failed, total: state.total };
          },
          `certctl certs bulk-revoke-status ${started.id}`,
        );
      }
      ctx().output.record(last);
    });

  certs
    .command('bulk-revoke-status <id>')
    .description('the progress of a bulk revocation')
    .action(async (id: string) => ctx().output.record(await ctx().client.get(`/api/v1/certificates/bulk-revoke/${seg(id)}`)));
}
