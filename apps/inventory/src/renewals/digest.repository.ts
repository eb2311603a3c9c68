import { Injectable } from '@nestjs/common';
import { type Prisma, PrismaService } from '@certctl/database';

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

/** A job as the digest lists it, with its certificate's name. */
export type DigestJobRow = Prisma.JobGetPayload<{ select: typeof JOB_SELECT }>;

/** A failed job records completed_at; rows failed before that column was set fall back to updated_at. */
function failedSince(since: Date): Prisma.JobWhereInput {
  return { status: 'failed', OR: [{ completedAt: { gte: since } }, { completedAt: null, updatedAt: { gte: since } }] };
}

/** The reads of the scheduler's daily digest, from inventory's own tables. */
@Injectable()
export class DigestRepository {
  constructor(private readonly db: PrismaService) {}

  /** Live certificates expiring in (now, horizon], soonest first. */
  expiringCertificates(now: Date, horizon: Date, take: number) {
    return this.db.certificate.findMany({
      where: { status: LIVE, expiresAt: { gt: now, lte: horizon } },
      orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
      take,
      select: { id: true, name: true, status: true, expiresAt: true },
    });
  }

  countFailedJobs(since: Date): Promise<number> {
    return this.db.job.count({ where: failedSince(since) });
  }

  /** Jobs failed since `since`, latest first. */
  failedJobs(since: Date, take: number): Promise<DigestJobRow[]> {
    return this.db.job.findMany({ where: failedSince(since), orderBy: [{ completedAt: 'desc' }, { id: 'asc' }], take, select: JOB_SELECT });
  }

  /** Jobs awaiting approval, oldest first. */
  awaitingApproval(take: number): Promise<DigestJobRow[]> {
    return this.db.job.findMany({
      where: { status: 'awaiting_approval' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
      select: JOB_SELECT,
    });
  }

  /** Offline agents, longest silent first. */
  offlineAgents(take: number) {
    return this.db.agent.findMany({
      where: { status: 'offline' },
      orderBy: [{ lastHeartbeatAt: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }],
      take,
      select: { id: true, name: true, lastHeartbeatAt: true },
    });
  }
}
