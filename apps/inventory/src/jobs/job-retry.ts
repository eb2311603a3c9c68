import { Controller, Injectable } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AppError, type JobDto, JobRetryRpc, QueueName, type RpcRequestParsed } from '@certctl/contracts';
import { PrismaService } from '@certctl/database';
import { RpcHandler } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { canMoveCertificate } from '../certificates/certificate-state';
import { toJobDto } from './job-approval.service';
import { assertTransition } from './job-state';
import { JobService } from './job.service';

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
    private readonly db: PrismaService,
    private readonly jobs: JobService,
    private readonly queues: QueueService,
  ) {}

  async retry({ actor, id }: RpcRequestParsed<typeof JobRetryRpc.retry>): Promise<JobDto> {
    const job = await this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM jobs WHERE id = ${id} FOR UPDATE`;
      if (!locked.length) throw AppError.notFound('job', id);
      const row = await tx.job.findUniqueOrThrow({ where: { id }, include: { certificate: { select: { status: true } } } });
      if (row.status !== 'failed') throw new AppError('conflict', `job ${id} is ${row.status}; only a failed job can be retried`);
      if (row.type !== 'issuance' && row.type !== 'renewal') {
        throw new AppError('conflict', `job ${id} is a ${row.type} job; only issuance and renewal jobs are retried from here`);
      }
      assertTransition(id, row.status, 'pending');
      if (row.type === 'renewal' && canMoveCertificate(row.certificate.status, 'renewal_in_progress')) {
        await tx.certificate.update({ where: { id: row.certificateId }, data: { status: 'renewal_in_progress' } });
      }
      return tx.job.update({ where: { id }, data: { status: 'pending', attempts: 0, startedAt: null, completedAt: null } });
    });
    await this.requeue(job.id, job.certificateId, job.traceparent ?? undefined);
    getLogger().info({ job_id: job.id, actor: actor.principal, last_error: job.lastError }, 'failed job retried');
    return toJobDto(job);
  }

  /** A dead-lettered entry is retried in place (fresh attempts); a missing or finished one is added again. */
  private async requeue(jobId: string, certificateId: string, traceparent?: string): Promise<void> {
    const entry = await this.queues.queue(QueueName.Issuance).getJob(jobId);
    const state = entry ? await entry.getState() : 'missing';
    if (entry && state === 'failed') {
      await entry.retry('failed', { resetAttemptsMade: true });
      return;
    }
    if (entry && state === 'completed') await entry.remove();
    // waiting, delayed or active entries run anyway; adding an id still queued is a no-op.
    if (state === 'missing' || state === 'completed') await this.jobs.enqueueIssuance(jobId, certificateId, traceparent);
  }
}

@Controller()
export class JobRetryHandler {
  constructor(private readonly retries: JobRetryService) {}

  @RpcHandler(JobRetryRpc.retry)
  retry(@Payload() req: RpcRequestParsed<typeof JobRetryRpc.retry>) {
    return this.retries.retry(req);
  }
}
