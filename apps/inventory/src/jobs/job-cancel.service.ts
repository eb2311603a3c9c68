import { Injectable } from '@nestjs/common';
import { AppError, InventoryJob, type JobDto, type RpcRequestParsed } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { assertTransition } from './job-state';
import { JobRepository } from './job.repository';
import { toJobDto } from './job.mapper';

type CancelRequest = RpcRequestParsed<typeof InventoryJob.cancel>;

/**
 * The statuses a job can be cancelled from: it has not started, or waits for an asynchronous CA
 * (the poller then stops asking the CA). A running job belongs to its worker or agent.
 */
export const CANCELLABLE_JOB_STATUSES = ['pending', 'awaiting_approval', 'awaiting_csr', 'awaiting_ca'] as const;

/**
 * An operator's cancellation (POST /api/v1/jobs/{id}/cancel): a job that has not started goes
 * to `cancelled`. Its certificate follows the rule of a rejected approval: an issuance or
 * renewal job's certificate that was `pending` or `renewal_in_progress` becomes `failed`. A
 * queued entry of a cancelled job is skipped by the issuance worker (the job is no longer pending).
 */
@Injectable()
export class JobCancelService {
  constructor(
    private readonly repo: JobRepository,
    private readonly rpc: RpcClient,
  ) {}

  async cancel(req: CancelRequest): Promise<JobDto> {
    const job = await this.repo.transaction(async (tx) => {
      const row = await this.repo.lockRow(req.id, tx);
      if (!(CANCELLABLE_JOB_STATUSES as readonly string[]).includes(row.status)) {
        throw new AppError(
          'illegal_transition',
          `job ${row.id} is ${row.status}; only a pending, awaiting_approval, awaiting_csr or awaiting_ca job can be cancelled` +
            (row.status === 'running' ? ' (a running job ends on its own: wait for it, then retry or renew)' : ''),
        );
      }
      assertTransition(row.id, row.status, 'cancelled');
      const updated = await this.repo.recordDecision(
        row.id,
        { status: 'cancelled', decidedBy: req.actor.principal, reason: req.reason ?? null },
        tx,
      );
      if (row.type === 'issuance' || row.type === 'renewal') {
        await this.repo.setCertificateStatusFrom(row.certificateId, statusesLeadingTo('failed'), 'failed', tx);
      }
      return updated;
    });
    getLogger().info({ job_id: job.id, type: job.type, actor: req.actor.principal }, 'job cancelled');
    await this.rpc.emit(InventoryJob.cancelled, {
      job_id: job.id,
      certificate_id: job.certificateId,
      actor: req.actor.principal,
      ...(req.reason ? { reason: req.reason } : {}),
    });
    return toJobDto(job);
  }
}
