import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { type Db, DbErrorCode, Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type CertificateRow = Prisma.CertificateGetPayload<object>;
export type VersionRow = Prisma.CertificateVersionGetPayload<object>;
export type VersionSummaryRow = Omit<VersionRow, 'certificatePem' | 'chainPem'>;

/** The fields of a renewal policy that decide when a certificate renews. */
export interface RenewalPolicyTiming {
  id: string;
  renewBeforeDays: number | null;
  renewBeforeFraction: number | null;
  autoRenew: boolean;
}

const OPEN_JOB_STATUSES: Db.JobStatus[] = ['pending', 'awaiting_approval', 'awaiting_csr', 'running'];

/** A list row's current version, as the page shows it. */
export type PageVersion = Pick<VersionRow, 'serialNumber' | 'notBefore' | 'notAfter' | 'ariWindowStart' | 'ariWindowEnd'>;

/** What pageDetails finds for one certificate. */
export interface PageDetails {
  version: PageVersion | null;
  policy: RenewalPolicyTiming | null;
  job: {
    id: string;
    type: 'issuance' | 'renewal';
    status: Db.JobStatus;
    certificateId: string;
    attempts: number;
    maxAttempts: number;
    lastError: string | null;
    scheduledAt: Date;
  } | null;
}

interface PageDetailsRow {
  id: string;
  serial_number: string | null;
  not_before: Date | null;
  not_after: Date | null;
  ari_window_start: Date | null;
  ari_window_end: Date | null;
  policy_id: string | null;
  renew_before_days: number | null;
  renew_before_fraction: number | null;
  auto_renew: boolean | null;
  job_id: string | null;
  job_type: string | null;
  job_status: string | null;
  attempts: number | null;
  max_attempts: number | null;
  last_error: string | null;
  scheduled_at: Date | null;
}

/** What a new certificate's issuance depends on in its profile. */
export interface IssuanceProfile {
  id: string;
  requiresApproval: boolean;
  keyGeneration: string;
  sanRules: unknown;
}

/** A new certificate, its target bindings and its first issuance job, written together. */
export interface NewCertificate {
  certificate: Prisma.CertificateUncheckedCreateInput & { id: string; name: string };
  targetIds: string[];
  job: Prisma.JobUncheckedCreateInput;
}

/** The certificate filters the list and the bulk renewal share. */
export interface CertificateFilter {
  status?: Db.CertificateStatus;
  issuerId?: string;
  ownerId?: string;
  teamId?: string;
  expiresBefore?: Date;
}

/** The WHERE of a certificate filter. */
export function certificateWhere(filter: CertificateFilter): Prisma.CertificateWhereInput {
  return {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.issuerId ? { issuerId: filter.issuerId } : {}),
    ...(filter.ownerId ? { ownerId: filter.ownerId } : {}),
    ...(filter.teamId ? { teamId: filter.teamId } : {}),
    ...(filter.expiresBefore ? { expiresAt: { lt: filter.expiresBefore } } : {}),
  };
}

export interface CertificateListQuery extends CertificateFilter {
  profileId?: string;
  /** Substring of the name or the common name, case-insensitive. */
  text?: string;
  sort: { field: 'name' | 'expires_at' | 'created_at'; direction: 'asc' | 'desc' };
  afterId?: string;
  take: number;
}

/** The certificates table with its versions and target bindings, and the existence checks of what a certificate references. */
@Injectable()
export class CertificateRepository {
  constructor(private readonly db: PrismaService) {}

  async ownerExists(id: string): Promise<boolean> {
    return !!(await this.db.owner.findUnique({ where: { id }, select: { id: true } }));
  }

  async teamExists(id: string): Promise<boolean> {
    return !!(await this.db.team.findUnique({ where: { id }, select: { id: true } }));
  }

  async agentExists(id: string): Promise<boolean> {
    return !!(await this.db.agent.findUnique({ where: { id }, select: { id: true } }));
  }

  async profileExists(id: string): Promise<boolean> {
    return !!(await this.db.certificateProfile.findUnique({ where: { id }, select: { id: true } }));
  }

  findRenewalPolicy(id: string): Promise<{ id: string; maxRetries: number } | null> {
    return this.db.renewalPolicy.findUnique({ where: { id }, select: { id: true, maxRetries: true } });
  }

  findIssuanceProfile(id: string): Promise<IssuanceProfile | null> {
    return this.db.certificateProfile.findUnique({
      where: { id },
      select: { id: true, requiresApproval: true, keyGeneration: true, sanRules: true },
    });
  }

  /** The ids among `ids` that name existing targets. */
  async existingTargetIds(ids: readonly string[]): Promise<Set<string>> {
    const found = await this.db.target.findMany({ where: { id: { in: [...ids] } }, select: { id: true } });
    return new Set(found.map((target) => target.id));
  }

  async exists(id: string): Promise<boolean> {
    return !!(await this.db.certificate.findUnique({ where: { id }, select: { id: true } }));
  }

  findById(id: string): Promise<CertificateRow | null> {
    return this.db.certificate.findUnique({ where: { id } });
  }

  findVersion(id: string): Promise<VersionRow | null> {
    return this.db.certificateVersion.findUnique({ where: { id } });
  }

  async targetIdsOf(certificateId: string): Promise<string[]> {
    const rows = await this.db.certificateTarget.findMany({
      where: { certificateId },
      select: { targetId: true },
      orderBy: { targetId: 'asc' },
    });
    return rows.map((row) => row.targetId);
  }

  /** The certificate, its bindings and its first job in one transaction; a taken name is a `conflict` on `name`. */
  insertWithIssuanceJob(input: NewCertificate): Promise<CertificateRow> {
    const write = () =>
      this.db.$transaction(async (tx) => {
        const cert = await tx.certificate.create({ data: input.certificate });
        if (input.targetIds.length) {
          await tx.certificateTarget.createMany({
            data: input.targetIds.map((targetId) => ({ certificateId: input.certificate.id, targetId })),
          });
        }
        await tx.job.create({ data: input.job });
        return cert;
      });
    return translateDbErrors(write, { [DbErrorCode.UniqueViolation]: () => nameTaken(input.certificate.name) });
  }

  /** Changes the columns given and, when `targetIds` is set, replaces the bindings; a taken name is a `conflict` on `name`. */
  async update(id: string, data: Prisma.CertificateUncheckedUpdateInput, targetIds: string[] | undefined, name?: string): Promise<void> {
    const write = () =>
      this.db.$transaction(async (tx) => {
        await tx.certificate.update({ where: { id }, data });
        if (targetIds) {
          await tx.certificateTarget.deleteMany({ where: { certificateId: id } });
          if (targetIds.length)
            await tx.certificateTarget.createMany({ data: targetIds.map((targetId) => ({ certificateId: id, targetId })) });
        }
      });
    await translateDbErrors(write, { [DbErrorCode.UniqueViolation]: () => nameTaken(name) });
  }

  list(query: CertificateListQuery): Promise<CertificateRow[]> {
    const dir = query.sort.direction;
    const orderBy: Prisma.CertificateOrderByWithRelationInput[] = [
      query.sort.field === 'name'
        ? { name: dir }
        : query.sort.field === 'expires_at'
          ? { expiresAt: { sort: dir, nulls: 'last' } }
          : { createdAt: dir },
      { id: dir },
    ];
    return this.db.certificate.findMany({
      where: {
        ...certificateWhere(query),
        ...(query.profileId ? { profileId: query.profileId } : {}),
        ...(query.text
          ? { OR: [{ name: { contains: query.text, mode: 'insensitive' } }, { commonName: { contains: query.text, mode: 'insensitive' } }] }
          : {}),
      },
      orderBy,
      ...(query.afterId ? { cursor: { id: query.afterId }, skip: 1 } : {}),
      take: query.take,
    });
  }

  /** The timing fields of renewal policies, by id. */
  renewalPolicies(ids: string[]): Promise<RenewalPolicyTiming[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.renewalPolicy.findMany({
      where: { id: { in: [...new Set(ids)] } },
      select: { id: true, renewBeforeDays: true, renewBeforeFraction: true, autoRenew: true },
    });
  }

  /** The open issuance and renewal jobs of certificates, newest first. */
  openRenewalJobs(certificateIds: string[]) {
    if (!certificateIds.length) return Promise.resolve([]);
    return this.db.job.findMany({
      where: { certificateId: { in: certificateIds }, type: { in: ['issuance', 'renewal'] }, status: { in: OPEN_JOB_STATUSES } },
      orderBy: { createdAt: 'desc' },
      select: {
        id: true,
        type: true,
        status: true,
        certificateId: true,
        attempts: true,
        maxAttempts: true,
        lastError: true,
        scheduledAt: true,
      },
    });
  }

  /**
   * What a list page shows of each certificate beyond its row, in one statement (not one query
   * per kind): the current version's dates and serial, the renewal policy's timing, and the
   * newest open issuance or renewal job.
   */
  async pageDetails(page: { id: string; currentVersionId: string | null; renewalPolicyId: string }[]): Promise<Map<string, PageDetails>> {
    if (!page.length) return new Map();
    const rows = await this.db.$queryRaw<PageDetailsRow[]>`
      SELECT c.id,
             v.serial_number, v.not_before, v.not_after, v.ari_window_start, v.ari_window_end,
             p.id AS policy_id, p.renew_before_days, p.renew_before_fraction, p.auto_renew,
             j.id AS job_id, j.type::text AS job_type, j.status::text AS job_status, j.attempts, j.max_attempts, j.last_error, j.scheduled_at
      FROM unnest(${page.map((c) => c.id)}::text[], ${page.map((c) => c.currentVersionId)}::text[], ${page.map((c) => c.renewalPolicyId)}::text[])
           AS c(id, version_id, policy_id)
      LEFT JOIN certificate_versions v ON v.id = c.version_id
      LEFT JOIN renewal_policies p ON p.id = c.policy_id
      LEFT JOIN LATERAL (
        SELECT id, type, status, attempts, max_attempts, last_error, scheduled_at FROM jobs
        WHERE certificate_id = c.id AND type IN ('issuance', 'renewal') AND status::text = ANY(${OPEN_JOB_STATUSES}::text[])
        ORDER BY created_at DESC LIMIT 1
      ) j ON true`;
    return new Map(
      rows.map((r) => [
        r.id,
        {
          version: r.not_before
            ? {
                serialNumber: r.serial_number!,
                notBefore: r.not_before,
                notAfter: r.not_after!,
                ariWindowStart: r.ari_window_start,
                ariWindowEnd: r.ari_window_end,
              }
            : null,
          policy: r.policy_id
            ? {
                id: r.policy_id,
                renewBeforeDays: r.renew_before_days,
                renewBeforeFraction: r.renew_before_fraction,
                autoRenew: r.auto_renew!,
              }
            : null,
          job: r.job_id
            ? {
                id: r.job_id,
                type: r.job_type as 'issuance' | 'renewal',
                status: r.job_status as Db.JobStatus,
                certificateId: r.id,
                attempts: r.attempts!,
                maxAttempts: r.max_attempts!,
                lastError: r.last_error,
                scheduledAt: r.scheduled_at!,
              }
            : null,
        },
      ]),
    );
  }

  /** Every version of a certificate, newest first (at most 1000). */
  versionsOf(certificateId: string): Promise<VersionRow[]> {
    return this.db.certificateVersion.findMany({ where: { certificateId }, orderBy: { createdAt: 'desc' }, take: 1000 });
  }

  /** The jobs that produced versions: their type and requester. */
  findJobCauses(jobIds: string[]): Promise<{ id: string; type: Db.JobType; requestedBy: string }[]> {
    if (!jobIds.length) return Promise.resolve([]);
    return this.db.job.findMany({ where: { id: { in: jobIds } }, select: { id: true, type: true, requestedBy: true } });
  }

  findRevocationState(id: string): Promise<{ status: Db.CertificateStatus; revocationReason: string | null } | null> {
    return this.db.certificate.findUnique({ where: { id }, select: { status: true, revocationReason: true } });
  }

  /** A certificateHold lifted: the certificate is active again. */
  async liftHold(id: string): Promise<void> {
    await this.db.certificate.update({ where: { id }, data: { status: 'active', revokedAt: null, revocationReason: null } });
  }

  /** Revokes from the statuses listed unless already revoked for `reason`; true when the row changed. */
  async markRevoked(id: string, from: Db.CertificateStatus[], reason: string, revokedAt: Date): Promise<boolean> {
    const updated = await this.db.certificate.updateMany({
      where: { id, status: { in: from }, NOT: { status: 'revoked', revocationReason: reason } },
      data: { status: 'revoked', revokedAt, revocationReason: reason },
    });
    return updated.count > 0;
  }

  findVersionBySerial(issuerId: string, serialNumber: string) {
    return this.db.certificateVersion.findUnique({
      where: { issuerId_serialNumber: { issuerId, serialNumber } },
      select: { certificateId: true, notBefore: true, notAfter: true },
    });
  }

  /**
   * Certificates among `ids` whose status may move to renewal_in_progress move there. With
   * `tx`, inside the caller's transaction.
   */
  async markRenewalInProgress(ids: string[], from: Db.CertificateStatus[], tx: Prisma.TransactionClient = this.db): Promise<void> {
    await tx.$executeRaw`
      UPDATE certificates SET status = 'renewal_in_progress', updated_at = now()
      WHERE id = ANY(${ids}::text[]) AND status::text = ANY(${from}::text[])`;
  }
}

function nameTaken(name: string | undefined): AppError {
  return new AppError('conflict', `a certificate named ${JSON.stringify(name)} already exists`, {
    fields: [{ field: 'name', message: 'must be unique' }],
  });
}
