import { type Command, Option } from 'commander';
import { CliError, ExitCode } from '@certctl/api-client';
import type { CliContext } from '../context';
import type { ProgressCounts } from '../output/progress';
import { watch } from './certs-bulk';
import { REVOCATION_REASONS } from './certs';
import { addPagingOptions, collect, columns, listCommand, positiveInt, seg } from './shared';

const ITEM_STATUSES = ['pending', 'renewing', 'deploying', 'revoking', 'done', 'failed', 'cancelled'];
const CAMPAIGN_STATUSES = ['running', 'paused', 'completed', 'cancelled'];

interface Campaign {
  id: string;
  status: string;
  progress: {
    total: number;
    done: number;
    failed: number;
    cancelled: number;
    remaining: number;
    rate_per_minute: number;
    eta_seconds: number | null;
  };
}

const CAMPAIGN_COLUMNS = columns(
  ['ID', 'id'],
  ['STATUS', 'status'],
  ['TOTAL', 'progress.total'],
  ['DONE', 'progress.done'],
  ['FAILED', 'progress.failed'],
  ['REMAINING', 'progress.remaining'],
  ['RATE/MIN', 'progress.rate_per_minute'],
  ['ETA S', 'progress.eta_seconds'],
  ['NEW ISSUER', 'new_issuer_id'],
  ['REVOKE OLD', 'revoke_old'],
);
const ITEM_COLUMNS = columns(
  ['ID', 'id'],
  ['CERTIFICATE', 'certificate_id'],
  ['STATUS', 'status'],
  ['OLD SERIAL', 'old_serial'],
  ['JOB', 'job_id'],
  ['ATTEMPT', 'attempt'],
  ['LAST ERROR', 'last_error'],
);

/** A campaign's progress as the bulk progress bar counts it (cancelled items count as not done). */
export function campaignCounts(c: Campaign): ProgressCounts {
  return { done: c.progress.done, failed: c.progress.failed + c.progress.cancelled, total: c.progress.total };
}

export function registerFleet(program: Command, ctx: () => CliContext): void {
  const fleet = program.command('fleet').description('emergency fleet re-issuance campaigns (docs/fleet-reissuance.md)');
  const path = (id?: string, rest = '') => `/api/v1/reissuance-campaigns${id ? `/${seg(id)}` : ''}${rest}`;

  fleet
    .command('reissue')
    .description('replace every certificate selected (by issuer and every issuer under it, key, profile or ids), then revoke the old ones')
    .option('--issuer <id>', 'certificates of this issuer and of every issuer under it')
    .option('--key-algorithm <alg>', 'current key algorithm (RSA, ECDSA, …)')
    .option('--key-size <bits>', 'current key size', positiveInt)
    .option('--profile <id>', 'certificates of this profile')
    .option('--id <id>', 'certificate id (repeatable)', collect)
    .option('--new-issuer <id>', 'replacements come from this issuer')
    .addOption(
      new Option('--revoke-old <reason>', 'revoke the old versions with this reason').choices(
        REVOCATION_REASONS.filter((r) => !['removeFromCRL', 'certificateHold'].includes(r)),
      ),
    )
    .option('--force-revoke', 'revoke the old version as soon as the replacement is issued, before it is verified')
    .option('--rate <n>', 'replacements started per minute', positiveInt)
    .option('--dry-run', 'list what would happen; change nothing')
    .option('--no-wait', 'start the campaign and return')
    .action(async (opts) => {
      if (!opts.issuer && !opts.keyAlgorithm && !opts.keySize && !opts.profile && !opts.id)
        throw new CliError('fleet reissue needs --issuer, --key-algorithm, --key-size, --profile or --id', ExitCode.usage);
      const body = {
        issuer_id: opts.issuer,
        key_algorithm: opts.keyAlgorithm,
        key_size: opts.keySize,
        profile_id: opts.profile,
        ids: opts.id,
        new_issuer_id: opts.newIssuer,
        revoke_old: opts.revokeOld ?? null,
        force_revoke: Boolean(opts.forceRevoke),
        rate_per_minute: opts.rate,
        dry_run: Boolean(opts.dryRun),
      };
      const created = await ctx().client.post<Campaign & { dry_run?: true; total?: number; estimated_seconds?: number; items?: unknown[] }>(
        path(),
        body,
      );
      if (created.dry_run) {
        ctx().output.note(
          `dry run: ${created.total} certificate(s) would be replaced in about ${created.estimated_seconds} s; nothing was changed`,
        );
        return ctx().output.list(
          { data: created.items ?? [] },
          columns(
            ['CERTIFICATE', 'certificate_id'],
            ['NAME', 'name'],
            ['SERIAL', 'serial_number'],
            ['NEW ISSUER', 'new_issuer_id'],
            ['STEPS', 'steps'],
          ),
        );
      }
      ctx().output.note(`campaign ${created.id}: ${created.progress.total} certificate(s)`);
      let last = created;
      if (opts.wait) {
        await watch(
          ctx(),
          'reissuing',
          async () => {
            last = await ctx().client.get<Campaign>(path(created.id));
            return campaignCounts(last);
          },
          `certctl fleet status ${created.id}`,
        );
      }
      ctx().output.record(last);
      if (opts.wait && last.progress.failed)
        throw new CliError(
          `${last.progress.failed} item(s) failed (certctl fleet items ${created.id} --status failed; certctl fleet retry ${created.id} <item>)`,
          ExitCode.failure,
        );
    });

  addPagingOptions(fleet.command('list').description('re-issuance campaigns, newest first'))
    .addOption(new Option('--status <status>', 'campaign status').choices(CAMPAIGN_STATUSES))
    .action((opts) => listCommand(ctx(), path(), { status: opts.status }, { limit: opts.limit }, CAMPAIGN_COLUMNS));

  fleet
    .command('status <id>')
    .description('a campaign with its progress (done, failed, remaining, rate, ETA)')
    .option('--watch', 'follow it with the progress bar until it ends (Ctrl-C stops watching only)')
    .action(async (id: string, opts: { watch?: boolean }) => {
      let last = await ctx().client.get<Campaign>(path(id));
      if (opts.watch)
        await watch(
          ctx(),
          'reissuing',
          async () => campaignCounts((last = await ctx().client.get<Campaign>(path(id)))),
          `certctl fleet status ${id}`,
        );
      ctx().output.record(last);
    });

  for (const [verb, text] of [
    ['pause', 'pause a running campaign'],
    ['resume', 'resume a paused campaign'],
    ['cancel', 'cancel a campaign (its open items are cancelled)'],
  ] as const) {
    fleet
      .command(`${verb} <id>`)
      .description(text)
      .action(async (id: string) => ctx().output.record(await ctx().client.post(path(id, `/${verb}`))));
  }

  addPagingOptions(fleet.command('items <id>').description("a campaign's certificates and how far each got"))
    .addOption(new Option('--status <status>', 'item status (failed: the failures with their error)').choices(ITEM_STATUSES))
    .action((id: string, opts) => listCommand(ctx(), path(id, '/items'), { status: opts.status }, opts, ITEM_COLUMNS));

  fleet
    .command('retry <id> <item>')
    .description('retry a failed item from where it failed')
    .action(async (id: string, item: string) => ctx().output.record(await ctx().client.post(path(id, `/items/${seg(item)}/retry`))));
}

/** `certctl capacity`: the capacity planner (docs/capacity.md). */
export function registerCapacity(program: Command, ctx: () => CliContext): void {
  program
    .command('capacity')
    .description('renewals per day and busiest hour now and under shorter lifetimes, against the issuance capacity')
    .option('--reissue <n>', 'plan a mass re-issuance of this many certificates (default: the whole fleet)', positiveInt)
    .action(async (opts: { reissue?: number }) => {
      const plan = await ctx().client.get<{
        capacity: { issuances_per_second: number | null; source: string };
        scenarios: { name: string; renewals_per_day: number; peak_per_hour: number; utilisation: number | null }[];
        mass_reissuance: { certificates: number; hours_at_full_capacity: number | null; headroom_days_needed: number | null };
        advice: string[];
      }>('/api/v1/capacity', { reissue: opts.reissue });
      const lines = [
        `capacity: ${plan.capacity.issuances_per_second ?? '?'} issuances/s (${plan.capacity.source})`,
        ...plan.scenarios.map(
          (s) =>
            `${s.name.padEnd(22)} ${String(s.renewals_per_day).padStart(10)} renewals/day  peak ${String(s.peak_per_hour).padStart(8)}/h  ${s.utilisation === null ? '' : `${(s.utilisation * 100).toFixed(1)}% of capacity`}`,
        ),
        `mass re-issuance of ${plan.mass_reissuance.certificates}: ${plan.mass_reissuance.hours_at_full_capacity ?? '?'} h at full capacity, ${plan.mass_reissuance.headroom_days_needed ?? '?'} day(s) of headroom beside routine renewals`,
        ...plan.advice.map((a) => `- ${a}`),
      ];
      ctx().output.document(plan, `${lines.join('\n')}\n`);
    });
}
