import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AppError, type BulkRevocationJobData, QueueName, type RevocationReason } from '@certctl/contracts';
import { PrismaService } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';
import { RevocationService } from '../revocations/revocation.service';

const BATCH = 100;
const MAX_ERRORS = 100;

/**
 * Runs a bulk revocation. Progress (how many certificates are done) is stored on the row
 * after each batch, so a job picked up again after a crash continues from there; the
 * overlap is harmless because revoking a certificate twice changes nothing.
 */
@Injectable()
export class BulkRevocationProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly db: PrismaService,
    private readonly queues: QueueService,
    private readonly revocations: RevocationService,
    @Inject(REVOCATION_CONFIG) private readonly config: RevocationConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.worker(QueueName.BulkRevocation, (job) => this.process(job), { concurrency: 2 });
  }

  async process(job: Job<BulkRevocationJobData>): Promise<{ revoked: number; failed: number }> {
    const id = job.data.bulk_id;
    const row = await this.db.bulkRevocation.findUnique({ where: { id } });
    if (!row) throw new AppError('not_found', `bulk revocation ${id} does not exist`, { retryable: false });
    if (row.status === 'completed') return { revoked: row.revoked, failed: row.failed };
    await this.db.bulkRevocation.update({ where: { id }, data: { status: 'running' } });
    const actor = { principal: row.requestedBy, role: 'admin' };
    const errors = (row.errors as { certificate_id: string; error: string }[]) ?? [];
    let revoked = row.revoked;
    let failed = row.failed;
    for (let start = revoked + failed; start < row.certificateIds.length; start += BATCH) {
      const batch = row.certificateIds.slice(start, start + BATCH);
      const outcomes = await mapLimit(batch, this.config.CERTCTL_BULK_REVOKE_CONCURRENCY, async (certId) => {
        try {
          await this.revocations.revoke(actor, certId, row.reason as RevocationReason);
          return null;
        } catch (err) {
          if (err instanceof AppError && err.retryable) throw err;
          return { certificate_id: certId, error: err instanceof Error ? err.message : String(err) };
        }
      });
      for (const o of outcomes) {
        if (o) {
          failed++;
          if (errors.length < MAX_ERRORS) errors.push(o);
        } else revoked++;
      }
      await this.db.bulkRevocation.update({ where: { id }, data: { revoked, failed, errors } });
      await job.updateProgress(Math.round(((revoked + failed) / row.total) * 100));
    }
    await this.db.bulkRevocation.update({ where: { id }, data: { status: 'completed', completedAt: new Date() } });
    getLogger().info({ bulk_id: id, revoked, failed }, 'bulk revocation completed');
    return { revoked, failed };
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}
