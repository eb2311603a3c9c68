import type { Command } from 'commander';
import { CliError, ExitCode } from '@certctl/api-client';
import type { CliContext } from '../context';
import { renderRecord } from '../output/format';

interface Readiness {
  status?: string;
  service?: string;
  checks?: Record<string, string>;
}

interface Summary {
  certificates?: { total: number; by_status: Record<string, number> };
  expiring?: { within_7_days: number; within_30_days: number };
  jobs?: { by_status?: Record<string, number> };
  [section: string]: unknown;
}

/** The people's view of `status`: readiness and its checks, then the summary counts. */
export function statusText(doc: { server: string; version: unknown; ready: Readiness; summary: Summary }): string {
  const lines = [
    `server   ${doc.server} (${(doc.version as { version?: string })?.version ?? '?'})`,
    `gateway  ${doc.ready.status ?? 'unknown'}`,
  ];
  for (const [check, state] of Object.entries(doc.ready.checks ?? {})) lines.push(`  ${check.padEnd(14)} ${state}`);
  const counts: Record<string, unknown> = {};
  if (doc.summary.certificates) {
    counts.certificates = doc.summary.certificates.total;
    for (const [status, count] of Object.entries(doc.summary.certificates.by_status)) counts[`  ${status}`] = count;
  }
  if (doc.summary.expiring) {
    counts['expiring 7d'] = doc.summary.expiring.within_7_days;
    counts['expiring 30d'] = doc.summary.expiring.within_30_days;
  }
  for (const [status, count] of Object.entries(doc.summary.jobs?.by_status ?? {})) counts[`jobs ${status}`] = count;
  return `${lines.join('\n')}\n${renderRecord(counts)}`;
}

export function registerStatus(program: Command, ctx: () => CliContext, cliVersion: string): void {
  program
    .command('status')
    .description("the gateway's readiness (database, Redis, NATS checks) and the summary counts")
    .action(async () => {
      const ready = await ctx().client.probe<Readiness>('/ready');
      const [version, summary] = await Promise.all([
        ctx().client.get('/api/v1/version'),
        ctx().client.get<Summary>('/api/v1/stats/summary'),
      ]);
      const doc = { server: ctx().server, version, ready: ready.body as Readiness, summary };
      ctx().output.document(doc, statusText(doc));
      if (ready.status !== 200) throw new CliError(`The platform is not ready (HTTP ${ready.status})`, ExitCode.server);
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
