import { Injectable } from '@nestjs/common';
import { AppError, type JobDto, type JobRetryRpc, QueueName, type RpcRequestParsed } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { canMoveCertificate } from '../certificates/certificate-state';
import { toJobDto } from './job.mapper';
import { assertTransition } from './job-state';
import { JobRepository } from './job.repository';

/**
 * An operator's retry of a dead-lettered issuance or renewal job (POST /api/v1/jobs/{id}/retry):
 * `failed` → `pending` with its attempts reset, and its queue entry put back with a fresh
 * attempt budget. `last_error` stays on the row until the retried job completes (cleared) or
 * fails again (replaced). A renewal's certificate goes back to `renewal_in_progress`; a first
 * issuance's certificate stays `failed` until the job completes (then `active`).
 */
@Injectable()
export class JobRetryService {
  constructor(
    private readonly repo: JobRepository,
    private readonly queues: QueueService,
  ) {}

  async retry({ actor, id }: RpcRequestParsed<typeof JobRetryRpc.retry>): Promise<JobDto> {
    const job = await this.repo.transaction(async (tx) => {
      const row = await this.repo.lockWithCertificateStatus(id, tx);
      if (row.status !== 'failed') throw new AppError('conflict', `job ${id} is ${row.status}; only a failed job can be retried`);
      if (row.type !== 'issuance' && row.type !== 'renewal') {
        throw new AppError('conflict', `job ${id} is a ${row.type} job; only issuance and renewal jobs are retried from here`);
      }
      assertTransition(id, row.status, 'pending');
      if (row.type === 'renewal' && canMoveCertificate(row.certificate.status, 'renewal_in_progress')) {
        await this.repo.setCertificateStatus(row.certificateId, 'renewal_in_progress', tx);
      }
      return this.repo.resetForRetry(id, tx);
    });
    await this.requeue(job.id, job.certificateId, job.traceparent ?? undefined);
    getLogger().info({ job_id: job.id, actor: actor.principal, last_error: job.lastError }, 'failed job retried');
    return toJobDto(job);
  }

  /** A dead-lettered entry is retried in place (fresh attempts); a missing or finished one is added again. */
  private async requeue(jobId: string, certificateId: string, traceparent?: string): Promise<void> {
    await this.queues.ensureQueued(QueueName.Issuance, jobId, { job_id: jobId, certificate_id: certificateId, traceparent });
  }
}
