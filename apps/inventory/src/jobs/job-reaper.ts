import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { PrismaService } from '@certctl/database';
import { getLogger, registry } from '@certctl/observability';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
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

/**
 * Jobs that stopped moving: Running without progress (its worker died) goes back to
 * Pending while attempts remain, else Failed; AwaitingCSR and AwaitingApproval expire
 * (Failed, with the reason). Each statement locks rows and skips locked ones, so
 * several inventory replicas reap side by side without touching the same job.
 */
@Injectable()
export class JobReaper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: PrismaService,
    @Inject(INVENTORY_CONFIG) private readonly config: InventoryConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.reap().catch((err: unknown) => getLogger().warn({ err: (err as Error).message }, 'job reaper failed')),
      this.config.CERTCTL_JOB_REAPER_INTERVAL_MS,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async reap(now = new Date()): Promise<ReapResult> {
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const stale = ago(this.config.CERTCTL_JOB_RUNNING_TIMEOUT_MS);
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
      WHERE id IN (SELECT id FROM jobs WHERE status = 'awaiting_csr' AND updated_at < ${ago(this.config.CERTCTL_JOB_AWAITING_CSR_TIMEOUT_MS)}
                   ORDER BY updated_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`;
    const approvalTimedOut = await this.db.$executeRaw`
      UPDATE jobs SET status = 'failed', last_error = 'nobody approved or rejected the job in time', completed_at = ${now}, updated_at = ${now}
      WHERE id IN (SELECT id FROM jobs WHERE status = 'awaiting_approval' AND updated_at < ${ago(this.config.CERTCTL_JOB_AWAITING_APPROVAL_TIMEOUT_MS)}
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
