import { Injectable } from '@nestjs/common';
import { AppError, Events, type JobDto, Rpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type Prisma, decodeCursor, encodeCursor } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { afterApproval } from './initial-status';
import { assertTransition } from './job-state';
import { JobService } from './job.service';
import { type JobRow, JobRepository } from './job.repository';
import { toJobDto } from './job.mapper';
import { isSameRequester } from './two-person-rule';

type Decision = RpcRequestParsed<typeof Rpc.inventory.jobApprove>;

/** Reading jobs, and the approval gate: AwaitingApproval → Pending (queued) or Cancelled. */
@Injectable()
export class JobApprovalService {
  constructor(
    private readonly repo: JobRepository,
    private readonly jobs: JobService,
    private readonly rpc: RpcClient,
  ) {}

  async get(id: string): Promise<JobDto> {
    const job = await this.repo.findById(id);
    if (!job) throw AppError.notFound('job', id);
    return toJobDto(job);
  }

  async list(query: RpcRequestParsed<typeof Rpc.inventory.jobList>): Promise<RpcResponse<typeof Rpc.inventory.jobList>> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repo.list({
      status: query.status,
      type: query.type,
      certificateId: query.certificate_id,
      before: after,
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(toJobDto),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  approve(d: Decision): Promise<JobDto> {
    return this.decide(d, 'approve');
  }

  reject(d: Decision): Promise<JobDto> {
    return this.decide(d, 'reject');
  }

  /** Two-person rule (two-person-rule.ts): whoever requested a job, with any of their keys, can neither approve nor reject it. */
  private async decide(d: Decision, decision: 'approve' | 'reject'): Promise<JobDto> {
    const job = await this.repo.transaction((tx) => this.recordDecision(d, decision, tx));
    await this.afterDecision(d, decision, job);
    return toJobDto(job);
  }

  /** The decision on the locked job: refused unless it awaits approval and the decider is another person. */
  private async recordDecision(d: Decision, decision: 'approve' | 'reject', tx: Prisma.TransactionClient): Promise<JobRow> {
    const row = await this.repo.lockRow(d.id, tx);
    if (row.status !== 'awaiting_approval') {
      throw new AppError('illegal_transition', `job ${row.id} is ${row.status}, not awaiting approval`);
    }
    if (isSameRequester(row, d.actor)) {
      throw new AppError(
        'forbidden',
        `job ${row.id} was requested by ${d.actor.principal} or a key of the same owner; another person must approve or reject it`,
      );
    }
    const to = decision === 'approve' ? afterApproval(await this.repo.keyGenerationOf(row.certificateId, tx)) : 'cancelled';
    assertTransition(row.id, row.status, to);
    const updated = await this.repo.recordDecision(row.id, { status: to, decidedBy: d.actor.principal, reason: d.reason ?? null }, tx);
    if (to === 'cancelled') await this.repo.setCertificateStatusFrom(row.certificateId, statusesLeadingTo('failed'), 'failed', tx);
    return updated;
  }

  /** Log, queue an approved issuance or renewal, and tell the bus. */
  private async afterDecision(d: Decision, decision: 'approve' | 'reject', job: JobRow): Promise<void> {
    getLogger().info({ job_id: job.id, decision, status: job.status, actor: d.actor.principal }, 'job decided');
    if (job.status === 'pending' && (job.type === 'issuance' || job.type === 'renewal')) {
      await this.jobs.enqueueIssuance(job.id, job.certificateId, job.traceparent ?? undefined).catch((err: unknown) => {
        getLogger().warn({ job_id: job.id, err: (err as Error).message }, 'could not queue approved job now; reconciliation will');
      });
    }
    await this.rpc.emit(decision === 'approve' ? Events.jobApproved : Events.jobRejected, {
      job_id: job.id,
      certificate_id: job.certificateId,
      actor: d.actor.principal,
      ...(d.reason ? { reason: d.reason } : {}),
    });
  }
}
