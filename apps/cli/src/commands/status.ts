import type { Command } from 'commander';
import { CliError, ExitCode } from '@certctl/api-client';
import type { CliContext } from '../context';
import { renderRecord, renderTable } from '../output/format';
import { columns } from './shared';

interface ServiceReadiness {
  service: string;
  ready: boolean;
  status: string;
  latency_ms: number;
  detail: string | null;
}

interface Readiness {
  ready: boolean;
  checked_at: string;
  services: ServiceReadiness[];
}

interface Summary {
  certificates?: { total: number; by_status: Record<string, number> };
  expiring?: { within_7_days: number; within_30_days: number };
  jobs?: { by_status?: Record<string, number> };
  [section: string]: unknown;
}

export interface StatusDocument extends Readiness {
  server: string;
  version: unknown;
  /** The summary counts; null when they could not be read (inventory not ready), with the reason in summary_error. */
  summary: Summary | null;
  summary_error?: string;
}

const SERVICE_COLUMNS = columns(
  ['SERVICE', 'service'],
  ['READY', 'ready'],
  ['STATUS', 'status'],
  ['LATENCY MS', 'latency_ms'],
  ['DETAIL', 'detail'],
);

function summaryCounts(summary: Summary): Record<string, unknown> {
  const counts: Record<string, unknown> = {};
  if (summary.certificates) {
    counts.certificates = summary.certificates.total;
    for (const [status, count] of Object.entries(summary.certificates.by_status)) counts[`  ${status}`] = count;
  }
  if (summary.expiring) {
    counts['expiring 7d'] = summary.expiring.within_7_days;
    counts['expiring 30d'] = summary.expiring.within_30_days;
  }
  for (const [status, count] of Object.entries(summary.jobs?.by_status ?? {})) counts[`jobs ${status}`] = count;
  return counts;
}

/** The people's view of `status`: the server, a table of the seven services' readiness, then the summary counts. */
export function statusText(doc: StatusDocument): string {
  const head = `server ${doc.server} (${(doc.version as { version?: string })?.version ?? '?'}): ${doc.ready ? 'ready' : 'NOT READY'}\n\n`;
  const table = renderTable(doc.services, SERVICE_COLUMNS);
  const counts = doc.summary ? renderRecord(summaryCounts(doc.summary)) : `summary unavailable: ${doc.summary_error ?? 'unknown'}\n`;
  return `${head}${table}\n${counts}`;
}

export function registerStatus(program: Command, ctx: () => CliContext, cliVersion: string): void {
  program
    .command('status')
    .description("every service's readiness and the summary counts (exit 6 when a service is not ready)")
    .action(async () => {
      const { client, server, output } = ctx();
      const [version, readiness, summary] = await Promise.all([
        client.get('/api/v1/version'),
        client.get<Readiness>('/api/v1/system/readiness'),
        // The counts come from inventory: when it is down the readiness table still tells why.
        client.get<Summary>('/api/v1/stats/summary').then(
          (counts) => ({ counts }),
          (err: Error) => ({ counts: null, error: err.message }),
        ),
      ]);
      const doc: StatusDocument = { server, version, ...readiness, summary: summary.counts };
      if ('error' in summary) doc.summary_error = summary.error;
      output.document(doc, statusText(doc));
      const down = readiness.services.filter((s) => !s.ready).map((s) => s.service);
      if (down.length) throw new CliError(`Not ready: ${down.join(', ')}`, ExitCode.server);
    });

  program
    .command('version')
    .description('the CLI version and the server version')
    .option('--client-only', 'do not ask the server')
    .action(async (opts: { clientOnly?: boolean }) => {
      const server = opts.clientOnly ? undefined : await ctx().client.get('/api/v1/version');
      const doc = { client: { name: 'certctl', version: cliVersion }, server: server ?? null };
      ctx().output.document(
        doc,
        `certctl ${cliVersion}${server ? `\nserver ${(server as { name: string; version: string }).name} ${(server as { version: string }).version}` : ''}\n`,
      );
    });
}
