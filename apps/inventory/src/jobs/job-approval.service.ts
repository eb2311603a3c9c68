import { Injectable } from '@nestjs/common';
import { AppError, Events, type JobDto, Rpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type Prisma, PrismaService, decodeCursor, encodeCursor } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { afterApproval } from './initial-status';
import { assertTransition } from './job-state';
import { JobService } from './job.service';
import { isSameRequester } from './two-person-rule';

type JobRow = Prisma.JobGetPayload<object>;
type Decision = RpcRequestParsed<typeof Rpc.inventory.jobApprove>;

export function toJobDto(j: JobRow): JobDto {
  return {
    id: j.id,
    type: j.type,
    status: j.status,
    certificate_id: j.certificateId,
    attempts: j.attempts,
    max_attempts: j.maxAttempts,
    last_error: j.lastError,
    requested_by: j.requestedBy,
    decided_by: j.decidedBy,
    decision_reason: j.decisionReason,
    created_at: j.createdAt.toISOString(),
    updated_at: j.updatedAt.toISOString(),
    completed_at: j.completedAt?.toISOString() ?? null,
  };
}

/** Reading jobs, and the approval gate: AwaitingApproval → Pending (queued) or Cancelled. */
@Injectable()
export class JobApprovalService {
  constructor(
    private readonly db: PrismaService,
    private readonly jobs: JobService,
    private readonly rpc: RpcClient,
  ) {}

  async get(id: string): Promise<JobDto> {
    const job = await this.db.job.findUnique({ where: { id } });
    if (!job) throw AppError.notFound('job', id);
    return toJobDto(job);
  }

  async list(q: RpcRequestParsed<typeof Rpc.inventory.jobList>): Promise<RpcResponse<typeof Rpc.inventory.jobList>> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.db.job.findMany({
      where: {
        ...(q.status ? { status: q.status } : {}),
        ...(q.type ? { type: q.type } : {}),
        ...(q.certificate_id ? { certificateId: q.certificate_id } : {}),
        ...(after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(toJobDto),
      next_cursor: rows.length > q.limit && last ? encodeCursor(last.createdAt, last.id) : null,
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
    const job = await this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM jobs WHERE id = ${d.id} FOR UPDATE`;
      if (!locked.length) throw AppError.notFound('job', d.id);
      const row = await tx.job.findUniqueOrThrow({ where: { id: d.id } });
      if (row.status !== 'awaiting_approval') {
        throw new AppError('illegal_transition', `job ${row.id} is ${row.status}, not awaiting approval`);
      }
      if (isSameRequester(row, d.actor)) {
        throw new AppError(
          'forbidden',
          `job ${row.id} was requested by ${d.actor.principal} or a key of the same owner; another person must approve or reject it`,
        );
      }
      let to: 'pending' | 'awaiting_csr' | 'cancelled' = 'cancelled';
      if (decision === 'approve') {
        const cert = await tx.certificate.findUnique({
          where: { id: row.certificateId },
          select: { profile: { select: { keyGeneration: true } } },
        });
        to = afterApproval(cert?.profile);
      }
      assertTransition(row.id, row.status, to);
      const updated = await tx.job.update({
        where: { id: row.id },
        data: {
          status: to,
          decidedBy: d.actor.principal,
          decisionReason: d.reason ?? null,
          decidedAt: new Date(),
          ...(to === 'cancelled' ? { completedAt: new Date() } : {}),
        },
      });
      if (to === 'cancelled') {
        await tx.certificate.updateMany({
          where: { id: row.certificateId, status: { in: statusesLeadingTo('failed') } },
          data: { status: 'failed' },
        });
      }
      return updated;
    });
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
    return toJobDto(job);
  }
}
