import { type Command, Option } from 'commander';
import { jobStatusSchema, jobTypeSchema } from '@certctl/contracts';
import type { CliContext } from '../context';
import { addPagingOptions, JOB_COLUMNS, listCommand, seg } from './shared';

const JOB_STATUSES = jobStatusSchema.options;
const JOB_TYPES = jobTypeSchema.options;

export function registerJobs(program: Command, ctx: () => CliContext): void {
  const jobs = program.command('jobs').description('issuance, renewal, deployment and revocation jobs');

  addPagingOptions(jobs.command('list').description('list jobs'))
    .addOption(new Option('--status <status>', 'job status').choices(JOB_STATUSES))
    .addOption(new Option('--type <type>', 'job type').choices(JOB_TYPES))
    .option('--certificate <id>', 'jobs of this certificate')
    .action((opts) =>
      listCommand(ctx(), '/api/v1/jobs', { status: opts.status, type: opts.type, certificate_id: opts.certificate }, opts, JOB_COLUMNS),
    );

  jobs
    .command('get <id>')
    .description('one job')
    .action(async (id: string) => ctx().output.record(await ctx().client.get(`/api/v1/jobs/${seg(id)}`)));

  for (const [verb, text] of [
    ['approve', 'approve a job awaiting approval'],
    ['reject', 'reject a job awaiting approval'],
    ['cancel', 'cancel a job that has not started (pending, awaiting approval, a CSR or a CA)'],
  ] as const) {
    jobs
      .command(`${verb} <id>`)
      .description(text)
      .option('--reason <text>', 'why (kept in the job and the audit log)')
      .action(async (id: string, opts: { reason?: string }) =>
        ctx().output.record(await ctx().client.post(`/api/v1/jobs/${seg(id)}/${verb}`, opts.reason ? { reason: opts.reason } : {})),
      );
  }

  jobs
    .command('retry <id>')
    .description('retry a failed job')
    .action(async (id: string) => ctx().output.record(await ctx().client.post(`/api/v1/jobs/${seg(id)}/retry`)));
}
