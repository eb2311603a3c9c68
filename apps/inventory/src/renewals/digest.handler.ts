import { Controller, Injectable } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DigestRpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type Prisma, PrismaService } from '@certctl/database';
import { RpcHandler } from '@certctl/messaging';

type Req = RpcRequestParsed<typeof DigestRpc.items>;
type Res = RpcResponse<typeof DigestRpc.items>;

/** Statuses of certificates that still matter (the same as the stats summary's expiring counts). */
const LIVE = { notIn: ['revoked', 'archived', 'expired'] } satisfies Prisma.EnumCertificateStatusFilter;

const JOB_SELECT = {
  id: true,
  type: true,
  certificateId: true,
  lastError: true,
  requestedBy: true,
  createdAt: true,
  completedAt: true,
  updatedAt: true,
  certificate: { select: { name: true } },
} satisfies Prisma.JobSelect;

/** The lists of the scheduler's daily digest: what needs attention, from inventory's own tables. */
@Injectable()
export class DigestItemsService {
  constructor(private readonly db: PrismaService) {}

  async items(req: Req): Promise<Res> {
    const now = new Date();
    const since = new Date(req.failed_since);
    const horizon = new Date(now.getTime() + req.expiring_within_days * 86400000);
    // A failed job records completed_at; rows failed before that column was set fall back to updated_at.
    const failedWhere: Prisma.JobWhereInput = {
      status: 'failed',
      OR: [{ completedAt: { gte: since } }, { completedAt: null, updatedAt: { gte: since } }],
    };
    const [expiring, failedCount, failed, awaiting, agents] = await Promise.all([
      this.db.certificate.findMany({
        where: { status: LIVE, expiresAt: { gt: now, lte: horizon } },
        orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
        take: req.limit,
        select: { id: true, name: true, status: true, expiresAt: true },
      }),
      this.db.job.count({ where: failedWhere }),
      this.db.job.findMany({ where: failedWhere, orderBy: [{ completedAt: 'desc' }, { id: 'asc' }], take: req.limit, select: JOB_SELECT }),
      this.db.job.findMany({
        where: { status: 'awaiting_approval' },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: req.limit,
        select: JOB_SELECT,
      }),
      this.db.agent.findMany({
        where: { status: 'offline' },
        orderBy: [{ lastHeartbeatAt: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }],
        take: req.limit,
        select: { id: true, name: true, lastHeartbeatAt: true },
      }),
    ]);
    return {
      expiring: expiring.map((c) => ({ id: c.id, name: c.name, status: c.status, expires_at: c.expiresAt!.toISOString() })),
      failed_jobs: { count: failedCount, items: failed.map((j) => jobItem(j, j.completedAt ?? j.updatedAt)) },
      awaiting_approval: awaiting.map((j) => jobItem(j, j.createdAt)),
      agents_offline: agents.map((a) => ({ id: a.id, name: a.name, last_heartbeat_at: a.lastHeartbeatAt?.toISOString() ?? null })),
    };
  }
}

function jobItem(j: Prisma.JobGetPayload<{ select: typeof JOB_SELECT }>, at: Date): Res['awaiting_approval'][number] {
  return {
    id: j.id,
    type: j.type,
    certificate_id: j.certificateId,
    certificate_name: j.certificate.name,
    at: at.toISOString(),
    last_error: j.lastError,
    requested_by: j.requestedBy,
  };
}

@Controller()
export class DigestHandler {
  constructor(private readonly digest: DigestItemsService) {}

  @RpcHandler(DigestRpc.items)
  items(@Payload() req: Req) {
    return this.digest.items(req);
  }
}
