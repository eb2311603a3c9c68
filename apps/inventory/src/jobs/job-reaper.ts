import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { PrismaService } from '@certctl/database';
import { getLogger, registry } from '@certctl/observability';
import { canTransition } from './job-state';

const reaped = new Counter({
  name: 'certctl_jobs_reaped_total',
  help: 'Jobs moved on by the reaper: stale running jobs retried or failed, waits that timed out',
  labelNames: ['from', 'to'],
  registers: [registry],
});

export interface ReapResult {
  retried: number;
  failed: number;
  csrTimedOut: number;
  approvalTimedOut: number;
}

export interface ReapCutoffs {
  /** Running jobs not updated since then have no worker making progress. */
  runningBefore: Date;
  awaitingCsrBefore: Date;
  awaitingApprovalBefore: Date;
}

/**
 * Jobs that stopped moving: Running without progress (its worker died) goes back to
 * Pending while attempts remain, else Failed; AwaitingCSR and AwaitingApproval expire
 * (Failed, with the reason). Driven by the scheduler's job-reaper loop over NATS. Each
 * statement locks rows and skips locked ones, so replicas never touch the same job.
 */
@Injectable()
export class JobReaper {
  constructor(private readonly db: PrismaService) {}

  async reap(c: ReapCutoffs, now = new Date()): Promise<ReapResult> {
    const stale = c.runningBefore;
    // Guard the table in code too: these are the transitions the statements below perform.
    for (const [from, to] of [
      ['running', 'pending'],
      ['running', 'failed'],
      ['awaiting_csr', 'failed'],
      ['awaiting_approval', 'failed'],
    ] as const) {
      if (!canTransition(from, to)) throw new Error(`reaper transition ${from} → ${to} is not in the job table`);
    }
    const retried = await this.db.$executeRaw`
      UPDATE jobs SET status = 'pending', last_error = 'the worker stopped making progress; retrying', updated_at = ${now}
      WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND updated_at < ${stale} AND attempts < max_attempts
                   ORDER BY updated_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`;
    const failed = await this.db.$executeRaw`
      UPDATE jobs SET status = 'failed', last_error = 'the worker stopped making progress and no attempts are left',
             completed_at = ${now}, updated_at = ${now}
      WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND updated_at < ${stale} AND attempts >= max_attempts
                   ORDER BY updated_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`;
    const csrTimedOut = await this.db.$executeRaw`
      UPDATE jobs SET status = 'failed', last_error = 'no CSR arrived from the agent in time', completed_at = ${now}, updated_at = ${now}
      WHERE id IN (SELECT id FROM jobs WHERE status = 'awaiting_csr' AND updated_at < ${c.awaitingCsrBefore}
                   ORDER BY updated_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`;
    const approvalTimedOut = await this.db.$executeRaw`
      UPDATE jobs SET status = 'failed', last_error = 'nobody approved or rejected the job in time', completed_at = ${now}, updated_at = ${now}
      WHERE id IN (SELECT id FROM jobs WHERE status = 'awaiting_approval' AND updated_at < ${c.awaitingApprovalBefore}
                   ORDER BY updated_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`;
    reaped.inc({ from: 'running', to: 'pending' }, retried);
    reaped.inc({ from: 'running', to: 'failed' }, failed);
    reaped.inc({ from: 'awaiting_csr', to: 'failed' }, csrTimedOut);
    reaped.inc({ from: 'awaiting_approval', to: 'failed' }, approvalTimedOut);
    const result = { retried, failed, csrTimedOut, approvalTimedOut };
    if (retried + failed + csrTimedOut + approvalTimedOut) getLogger().info(result, 'reaped stale jobs');
    return result;
  }
}
