import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { type Db, Prisma, PrismaService } from '@certctl/database';
import { type CertificateFilter, certificateWhere } from './certificate.repository';

/** A certificate as a renewal request sees it, read under a row lock. */
export interface RenewalCandidate {
  id: string;
  status: string;
  agentId: string | null;
  /** Null when the certificate has no profile. */
  profile: { requiresApproval: boolean; keyGeneration: string } | null;
  maxRetries: number;
  /** An issuance or renewal job is already open. */
  busy: boolean;
}

export interface RenewalJobRow {
  id: string;
  status: string;
  certificateId: string;
  agentId: string | null;
  maxAttempts: number;
  /** Set by a re-issuance campaign: reissue:<item>:<attempt>. */
  idempotencyKey?: string | null;
}

export interface Requester {
  principal: string;
  key_id?: string;
  owner_key_id?: string;
}

export interface InventoryCounts {
  certificatesByStatus: { status: string; count: number }[];
  expiringWithin7Days: number;
  expiringWithin30Days: number;
  jobsByStatus: { status: string; count: number }[];
  agentsByStatus: { status: string; count: number }[];
}

const DAY_MS = 86400000;

/** The set-based lifecycle writes (renewals in bulk, archiving) and the inventory counts. */
@Injectable()
export class CertificateLifecycleRepository {
  constructor(private readonly db: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>, options?: { timeout?: number }): Promise<T> {
    return this.db.$transaction(fn, options);
  }

  /** Ids of the certificates the filter matches, at most `take`. */
  async idsMatching(filter: CertificateFilter, take: number): Promise<string[]> {
    const rows = await this.db.certificate.findMany({
      where: certificateWhere(filter),
      select: { id: true },
      take,
    });
    return rows.map((row) => row.id);
  }

  /**
   * One statement reads and locks every certificate (so two concurrent renew calls cannot both
   * see "no open job") with what decides its job; arrays keep it one round trip at 10,000.
   */
  async lockRenewalCandidates(ids: string[], openStatuses: readonly string[], tx: Prisma.TransactionClient): Promise<RenewalCandidate[]> {
    const rows = await tx.$queryRaw<
      {
        id: string;
        status: string;
        agent_id: string | null;
        requires_approval: boolean | null;
        key_generation: string | null;
        max_retries: number;
        busy: boolean;
      }[]
    >`
      SELECT c.id, c.status::text AS status, c.agent_id, p.requires_approval, p.key_generation::text AS key_generation, rp.max_retries,
             EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = c.id AND j.type IN ('issuance', 'renewal')
                     AND j.status::text = ANY(${[...openStatuses]}::text[])) AS busy
      FROM certificates c
      JOIN renewal_policies rp ON rp.id = c.renewal_policy_id
      LEFT JOIN certificate_profiles p ON p.id = c.profile_id
      WHERE c.id = ANY(${ids}::text[])
      FOR UPDATE OF c`;
    return rows.map((row) => ({
      id: row.id,
      status: row.status,
      agentId: row.agent_id,
      profile: row.key_generation === null ? null : { requiresApproval: row.requires_approval === true, keyGeneration: row.key_generation },
      maxRetries: row.max_retries,
      busy: row.busy,
    }));
  }

  /** All the renewal jobs in one INSERT. */
  async insertRenewalJobs(
    rows: RenewalJobRow[],
    requester: Requester,
    traceparent: string | undefined,
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    await tx.$executeRaw`
      INSERT INTO jobs (id, type, status, certificate_id, agent_id, max_attempts, requested_by, requested_by_key_id, requested_by_owner,
                        traceparent, idempotency_key, updated_at)
      SELECT id, 'renewal', status::job_status, certificate_id, agent_id, max_attempts, ${requester.principal}, ${requester.key_id ?? null},
             ${requester.owner_key_id ?? null}, ${traceparent ?? null}, idempotency_key, now()
      FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.status)}::text[], ${rows.map((r) => r.certificateId)}::text[],
                  ${rows.map((r) => r.agentId)}::text[], ${rows.map((r) => r.maxAttempts)}::int[],
                  ${rows.map((r) => r.idempotencyKey ?? null)}::text[])
           AS t(id, status, certificate_id, agent_id, max_attempts, idempotency_key)`;
  }

  /** Locks the certificate row and reads its status; not found → AppError. */
  async lockStatus(id: string, tx: Prisma.TransactionClient): Promise<Db.CertificateStatus> {
    const rows = await tx.$queryRaw<{ status: Db.CertificateStatus }[]>`SELECT status FROM certificates WHERE id = ${id} FOR UPDATE`;
    if (!rows.length) throw AppError.notFound('certificate', id);
    return rows[0].status;
  }

  async markArchived(id: string, tx: Prisma.TransactionClient): Promise<void> {
    await tx.certificate.update({ where: { id }, data: { status: 'archived' } });
  }

  /** The certificate's jobs that have not started yet, or wait for a CA's order, are cancelled with `reason`. */
  async cancelWaitingJobs(certificateId: string, reason: string, tx: Prisma.TransactionClient): Promise<void> {
    await tx.job.updateMany({
      where: { certificateId, status: { in: ['pending', 'awaiting_approval', 'awaiting_csr', 'awaiting_ca'] } },
      data: { status: 'cancelled', completedAt: new Date(), lastError: reason },
    });
  }

  /** Counts by status, and live certificates expiring within 7 and 30 days of `now`. */
  async counts(now: number): Promise<InventoryCounts> {
    const live = { status: { notIn: ['revoked', 'archived', 'expired'] as ('revoked' | 'archived' | 'expired')[] } };
    const expiringWithin = (days: number) =>
      this.db.certificate.count({ where: { ...live, expiresAt: { gt: new Date(now), lte: new Date(now + days * DAY_MS) } } });
    const [certificates, in7, in30, jobs, agents] = await Promise.all([
      this.db.certificate.groupBy({ by: ['status'], _count: { _all: true } }),
      expiringWithin(7),
      expiringWithin(30),
      this.db.job.groupBy({ by: ['status'], _count: { _all: true } }),
      this.db.agent.groupBy({ by: ['status'], _count: { _all: true } }),
    ]);
    const counted = (rows: { status: string; _count: { _all: number } }[]) =>
      rows.map((row) => ({ status: row.status, count: row._count._all }));
    return {
      certificatesByStatus: counted(certificates),
      expiringWithin7Days: in7,
      expiringWithin30Days: in30,
      jobsByStatus: counted(jobs),
      agentsByStatus: counted(agents),
    };
  }
}
