import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { type Actor, AppError, AuditEvents, type BulkRevocationJobData, QueueName, type RevocationReason } from '@certctl/contracts';
import { RpcClient, auditEvent } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';
import { RevocationService } from '../revocations/revocation.service';
import { type BulkError, BulkRevocationRepository } from './bulk-revocation.repository';

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
    private readonly bulks: BulkRevocationRepository,
    private readonly queues: QueueService,
    private readonly revocations: RevocationService,
    @Inject(REVOCATION_CONFIG) private readonly config: RevocationConfig,
    private readonly rpc: RpcClient,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.worker(QueueName.BulkRevocation, (job) => this.process(job), { concurrency: 2 });
  }

  async process(job: Job<BulkRevocationJobData>): Promise<{ revoked: number; failed: number }> {
    const id = job.data.bulk_id;
    const row = await this.bulks.findById(id);
    if (!row) throw new AppError('not_found', `bulk revocation ${id} does not exist`, { retryable: false });
    if (row.status === 'completed') return { revoked: row.revoked, failed: row.failed };
    await this.bulks.markRunning(id);
    const actor = { principal: row.requestedBy, role: 'admin' };
    const reason = row.reason as RevocationReason;
    const errors = (row.errors as BulkError[]) ?? [];
    let revoked = row.revoked;
    let failed = row.failed;
    for (let start = revoked + failed; start < row.certificateIds.length; start += BATCH) {
      const outcomes = await this.revokeBatch(id, actor, reason, row.certificateIds.slice(start, start + BATCH));
      for (const outcome of outcomes) {
        if (outcome) {
          failed++;
          if (errors.length < MAX_ERRORS) errors.push(outcome);
        } else revoked++;
      }
      await this.bulks.recordProgress(id, { revoked, failed, errors });
      await job.updateProgress(Math.round(((revoked + failed) / row.total) * 100));
    }
    await this.bulks.markCompleted(id);
    getLogger().info({ bulk_id: id, revoked, failed }, 'bulk revocation completed');
    return { revoked, failed };
  }

  /**
   * Revokes one batch; each outcome is null (revoked) or the certificate's error. A retryable
   * error fails the job instead, so the queue tries again later from the stored progress.
   */
  private revokeBatch(bulkId: string, actor: Actor, reason: RevocationReason, batch: string[]): Promise<(BulkError | null)[]> {
    return mapLimit(batch, this.config.CERTCTL_BULK_REVOKE_CONCURRENCY, async (certId) => {
      let out;
      try {
        out = await this.revocations.revoke(actor, certId, reason);
      } catch (err) {
        if (err instanceof AppError && err.retryable) throw err;
        const error = err instanceof Error ? err.message : String(err);
        await this.audit(actor, certId, 'failure', { bulk_id: bulkId, reason, error });
        return { certificate_id: certId, error };
      }
      // created false: it was already revoked, this job changed nothing for it
      await this.audit(actor, certId, 'success', { bulk_id: bulkId, reason, serial_number: out.serial_number, created: out.created });
      return null;
    });
  }

  /** One audit row per certificate of the job, under the principal that requested the bulk revocation. */
  private audit(actor: Actor, certId: string, outcome: 'success' | 'failure', details: Record<string, unknown>): Promise<void> {
    return this.rpc.emit(
      AuditEvents.recorded,
      auditEvent({
        service: 'revocation',
        actor: { principal: actor.principal, kind: 'api_key' },
        action: 'certificate.revoke',
        resource_type: 'certificate',
        resource_id: certId,
        outcome,
        details,
      }),
    );
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return out;
}
