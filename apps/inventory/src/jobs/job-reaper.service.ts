import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { JobReaperRepository } from './job-reaper.repository';
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
  constructor(private readonly repo: JobReaperRepository) {}

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
    const retried = await this.repo.requeueStaleRunning(stale, now);
    const failed = await this.repo.failStaleRunning(stale, now);
    const csrTimedOut = await this.repo.expireAwaitingCsr(c.awaitingCsrBefore, now);
    const approvalTimedOut = await this.repo.expireAwaitingApproval(c.awaitingApprovalBefore, now);
    reaped.inc({ from: 'running', to: 'pending' }, retried);
    reaped.inc({ from: 'running', to: 'failed' }, failed);
    reaped.inc({ from: 'awaiting_csr', to: 'failed' }, csrTimedOut);
    reaped.inc({ from: 'awaiting_approval', to: 'failed' }, approvalTimedOut);
    const result = { retried, failed, csrTimedOut, approvalTimedOut };
    if (retried + failed + csrTimedOut + approvalTimedOut) getLogger().info(result, 'reaped stale jobs');
    return result;
  }
}
