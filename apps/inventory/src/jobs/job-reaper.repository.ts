import { Injectable } from '@nestjs/common';
import { PrismaService } from '@certctl/database';

/**
 * The reaper's set-based statements over stale jobs. Each locks at most 1000 rows and skips
 * rows another replica holds, so two reapers never move the same job; each returns the count.
 */
@Injectable()
export class JobReaperRepository {
  constructor(private readonly db: PrismaService) {}

  /** running, not updated since `staleBefore`, attempts left → pending. */
  requeueStaleRunning(staleBefore: Date, now: Date): Promise<number> {
    return this.db.$executeRaw`
      UPDATE jobs SET status = 'pending', last_error = 'the worker stopped making progress; retrying', updated_at = ${now}
      WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND updated_at < ${staleBefore} AND attempts < max_attempts
                   ORDER BY updated_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`;
  }

  /** running, not updated since `staleBefore`, no attempts left → failed. */
  failStaleRunning(staleBefore: Date, now: Date): Promise<number> {
    return this.db.$executeRaw`
      UPDATE jobs SET status = 'failed', last_error = 'the worker stopped making progress and no attempts are left',
             completed_at = ${now}, updated_at = ${now}
      WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND updated_at < ${staleBefore} AND attempts >= max_attempts
                   ORDER BY updated_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`;
  }

  /** awaiting_csr since before `before` → failed. */
  expireAwaitingCsr(before: Date, now: Date): Promise<number> {
    return this.db.$executeRaw`
      UPDATE jobs SET status = 'failed', last_error = 'no CSR arrived from the agent in time', completed_at = ${now}, updated_at = ${now}
      WHERE id IN (SELECT id FROM jobs WHERE status = 'awaiting_csr' AND updated_at < ${before}
                   ORDER BY updated_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`;
  }

  /** awaiting_approval since before `before` → failed. */
  expireAwaitingApproval(before: Date, now: Date): Promise<number> {
    return this.db.$executeRaw`
      UPDATE jobs SET status = 'failed', last_error = 'nobody approved or rejected the job in time', completed_at = ${now}, updated_at = ${now}
      WHERE id IN (SELECT id FROM jobs WHERE status = 'awaiting_approval' AND updated_at < ${before}
                   ORDER BY updated_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`;
  }
}
