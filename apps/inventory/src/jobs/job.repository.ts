import { Injectable } from '@nestjs/common';
import { AppError, type Rpc, type RpcRequestParsed } from '@certctl/contracts';
import { type Db, Prisma, PrismaService, newId } from '@certctl/database';

export type JobRow = Prisma.JobGetPayload<object>;
export type JobWithCertificate = Prisma.JobGetPayload<{ include: { certificate: { include: { profile: true } } } }>;
export type VersionRow = Prisma.CertificateVersionGetPayload<object>;
/** An issued version as the issuance worker reports it. */
export type IssuedVersion = RpcRequestParsed<typeof Rpc.inventory.jobComplete>['version'];

/** The job a completion is about, read with a row lock, with its certificate's status and any version already stored. */
export interface CompletionRow {
  id: string;
  status: Db.JobStatus;
  type: Db.JobType;
  certificateId: string;
  certificateStatus: Db.CertificateStatus;
  versionId: string | null;
  /** Who asked for the job: an API key's principal, `scheduler`, `acme:<account>` or `system`. */
  requestedBy: string;
  /** The enabled targets with an agent bound to the certificate: each gets a deployment job for a new version. */
  targets: DeploymentTarget[];
}

/** What the completion stored: the new version's id, serial and notAfter. */
export type StoredVersionRow = Pick<VersionRow, 'id' | 'serialNumber' | 'notAfter'>;

/** A job as job.start reads it: with its certificate, the certificate's profile and its current version. */
export interface StartedJob {
  id: string;
  status: Db.JobStatus;
  attempts: number;
  maxAttempts: number;
  type: Db.JobType;
  lastError: string | null;
  csrPem: string | null;
  certificate: {
    id: string;
    commonName: string;
    sans: string[];
    issuerId: string;
    profileId: string | null;
    profile: { allowedKeyAlgorithms: unknown; maxValidityDays: number; maxValiditySeconds: number | null; ekus: string[] } | null;
  };
  currentVersion: { certificatePem: string; issuerId: string } | null;
}

interface StartedJobRow {
  id: string;
  status: Db.JobStatus;
  attempts: number;
  max_attempts: number;
  type: Db.JobType;
  last_error: string | null;
  csr_pem: string | null;
  certificate_id: string;
  common_name: string;
  sans: string[];
  issuer_id: string;
  profile_id: string | null;
  profile_row_id: string | null;
  allowed_key_algorithms: string | null;
  max_validity_days: number | null;
  max_validity_seconds: number | null;
  ekus: string[] | null;
  previous_pem: string | null;
  previous_issuer_id: string | null;
}

/** An enabled target with an agent, bound to a certificate: it gets a deployment job per new version. */
export interface DeploymentTarget {
  id: string;
  agentId: string;
}

export interface JobListFilter {
  status?: Db.JobStatus;
  type?: Db.JobType;
  certificateId?: string;
  /** Keyset position: rows older than (at, id). */
  before?: { at: Date; id: string };
  take: number;
}

export interface JobDecision {
  status: 'pending' | 'awaiting_csr' | 'cancelled';
  decidedBy: string;
  reason: string | null;
}

/** Every read and write of the jobs table by the job features (start, complete, fail, approve, retry, list). */
@Injectable()
export class JobRepository {
  constructor(private readonly db: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  findById(id: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { id } });
  }

  list(filter: JobListFilter): Promise<JobRow[]> {
    const { before } = filter;
    return this.db.job.findMany({
      where: {
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.type ? { type: filter.type } : {}),
        ...(filter.certificateId ? { certificateId: filter.certificateId } : {}),
        ...(before ? { OR: [{ createdAt: { lt: before.at } }, { createdAt: before.at, id: { lt: before.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.take,
    });
  }

  /**
   * Issuance/renewal jobs that may have lost their queue entry: pending ones created before
   * `before`, and running ones no worker has updated since `before`.
   */
  findStaleIssuance(
    before: Date,
    take: number,
  ): Promise<{ id: string; status: Db.JobStatus; certificateId: string; traceparent: string | null }[]> {
    return this.db.job.findMany({
      where: {
        type: { in: ['issuance', 'renewal'] },
        OR: [
          { status: 'pending', createdAt: { lt: before } },
          { status: 'running', updatedAt: { lt: before } },
        ],
      },
      select: { id: true, status: true, certificateId: true, traceparent: true },
      take,
    });
  }

  /**
   * job.start in one statement: pending → running (or a redelivered running job), counting the
   * attempt, and the job read back with its certificate, profile and current version (a renewal's
   * predecessor). A job in any other status is read unchanged. Null when there is no such job.
   */
  async startAndRead(id: string): Promise<StartedJob | null> {
    const [row] = await this.db.$queryRaw<StartedJobRow[]>`
      WITH started AS (
        UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = now(), updated_at = now()
        WHERE id = ${id} AND status IN ('pending', 'running')
        RETURNING id, status, attempts, max_attempts, type, last_error, csr_pem, certificate_id
      ), job AS (
        SELECT * FROM started
        UNION ALL
        SELECT id, status, attempts, max_attempts, type, last_error, csr_pem, certificate_id FROM jobs
        WHERE id = ${id} AND NOT EXISTS (SELECT 1 FROM started)
      )
      SELECT j.id, j.status::text AS status, j.attempts, j.max_attempts, j.type::text AS type, j.last_error, j.csr_pem,
             c.id AS certificate_id, c.common_name, c.sans, c.issuer_id, c.profile_id,
             p.id AS profile_row_id, p.allowed_key_algorithms::text AS allowed_key_algorithms, p.max_validity_days,
             p.max_validity_seconds, p.ekus, v.certificate_pem AS previous_pem, v.issuer_id AS previous_issuer_id
      FROM job j
      JOIN certificates c ON c.id = j.certificate_id
      LEFT JOIN certificate_profiles p ON p.id = c.profile_id
      LEFT JOIN certificate_versions v ON v.id = c.current_version_id`;
    if (!row) return null;
    return {
      id: row.id,
      status: row.status,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      type: row.type,
      lastError: row.last_error,
      csrPem: row.csr_pem,
      certificate: {
        id: row.certificate_id,
        commonName: row.common_name,
        sans: row.sans,
        issuerId: row.issuer_id,
        profileId: row.profile_id,
        profile: row.profile_row_id
          ? {
              allowedKeyAlgorithms: JSON.parse(row.allowed_key_algorithms ?? '[]') as unknown,
              maxValidityDays: row.max_validity_days!,
              maxValiditySeconds: row.max_validity_seconds,
              ekus: row.ekus ?? [],
            }
          : null,
      },
      currentVersion: row.previous_pem !== null ? { certificatePem: row.previous_pem, issuerId: row.previous_issuer_id! } : null,
    };
  }

  /** Locks the job row; not found → AppError. */
  async lock(id: string, tx: Prisma.TransactionClient): Promise<void> {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM jobs WHERE id = ${id} FOR UPDATE`;
    if (rows.length === 0) throw AppError.notFound('job', id);
  }

  /** Locks the job row and reads it with its certificate and profile. */
  async lockWithCertificate(id: string, tx: Prisma.TransactionClient): Promise<JobWithCertificate> {
    await this.lock(id, tx);
    return tx.job.findUniqueOrThrow({ where: { id }, include: { certificate: { include: { profile: true } } } });
  }

  /** Locks the job row and reads it with its certificate's status. */
  async lockWithCertificateStatus(id: string, tx: Prisma.TransactionClient) {
    await this.lock(id, tx);
    return tx.job.findUniqueOrThrow({ where: { id }, include: { certificate: { select: { status: true } } } });
  }

  /** Locks the job row and reads it alone. */
  async lockRow(id: string, tx: Prisma.TransactionClient): Promise<JobRow> {
    await this.lock(id, tx);
    return tx.job.findUniqueOrThrow({ where: { id } });
  }

  async lockForCompletion(jobId: string, tx: Prisma.TransactionClient): Promise<CompletionRow | null> {
    const [row] = await tx.$queryRaw<
      {
        id: string;
        status: Db.JobStatus;
        type: Db.JobType;
        certificate_id: string;
        certificate_status: Db.CertificateStatus;
        version_id: string | null;
        requested_by: string;
        targets: string;
      }[]
    >`
      SELECT j.id, j.status, j.type, j.certificate_id, c.status AS certificate_status, j.requested_by,
             (SELECT v.id FROM certificate_versions v WHERE v.job_id = j.id) AS version_id,
             (SELECT coalesce(json_agg(json_build_array(t.id, t.agent_id) ORDER BY t.id), '[]') FROM certificate_targets ct
              JOIN targets t ON t.id = ct.target_id
              WHERE ct.certificate_id = j.certificate_id AND t.enabled AND t.agent_id IS NOT NULL)::text AS targets
      FROM jobs j JOIN certificates c ON c.id = j.certificate_id
      WHERE j.id = ${jobId} FOR UPDATE OF j`;
    if (!row) return null;
    return {
      id: row.id,
      status: row.status,
      type: row.type,
      certificateId: row.certificate_id,
      certificateStatus: row.certificate_status,
      versionId: row.version_id,
      requestedBy: row.requested_by,
      targets: (JSON.parse(row.targets) as [string, string][]).map(([id, agentId]) => ({ id, agentId })),
    };
  }

  /**
   * Stores the issued version, makes it the certificate's current one (the certificate active,
   * expiring at its notAfter) and completes the job: one statement.
   */
  async insertVersionAndComplete(
    jobId: string,
    certificateId: string,
    version: IssuedVersion,
    tx: Prisma.TransactionClient,
  ): Promise<StoredVersionRow> {
    const id = newId('ver');
    const notAfter = new Date(version.not_after);
    const window = version.renewal_window;
    await tx.$executeRaw`
      WITH v AS (
        INSERT INTO certificate_versions (id, certificate_id, job_id, issuer_id, serial_number, fingerprint_sha256, certificate_pem,
                                          chain_pem, not_before, not_after, key_algorithm, key_size, key_source,
                                          ari_window_start, ari_window_end)
        VALUES (${id}, ${certificateId}, ${jobId}, ${version.issuer_id}, ${version.serial_number}, ${version.fingerprint_sha256},
                ${version.certificate_pem}, ${version.chain_pem}, ${new Date(version.not_before)}, ${notAfter}, ${version.key_algorithm},
                ${version.key_size}, ${version.key_source}::key_generation, ${window ? new Date(window.start) : null}::timestamptz,
                ${window ? new Date(window.end) : null}::timestamptz)
        RETURNING id
      ), cert AS (
        UPDATE certificates SET status = 'active', current_version_id = (SELECT id FROM v), expires_at = ${notAfter}, updated_at = now()
        WHERE id = ${certificateId}
      )
      UPDATE jobs SET status = 'completed', completed_at = now(), last_error = NULL, updated_at = now() WHERE id = ${jobId}`;
    return { id, serialNumber: version.serial_number, notAfter };
  }

  /** One pending deployment job per target, carrying the version it deploys. */
  async insertDeploymentJobs(
    certificateId: string,
    versionId: string,
    targets: readonly DeploymentTarget[],
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    if (!targets.length) return;
    await tx.job.createMany({
      data: targets.map((target) => ({
        id: newId('job'),
        type: 'deployment' as const,
        status: 'pending' as const,
        certificateId,
        targetId: target.id,
        agentId: target.agentId,
        requestedBy: 'system',
        result: { version_id: versionId },
      })),
    });
  }

  /** A failed attempt; a retried job is scheduled at the queue's next attempt (`retryAt`). */
  async recordFailure(
    id: string,
    status: Db.JobStatus,
    error: string,
    terminal: boolean,
    tx: Prisma.TransactionClient,
    retryAt?: Date,
  ): Promise<void> {
    const when = terminal ? { completedAt: new Date() } : retryAt ? { scheduledAt: retryAt } : {};
    await tx.job.update({ where: { id }, data: { status, lastError: error, ...when } });
  }

  /** running → awaiting_ca: the CA's order id goes into the job's result, scheduled_at says when the CA is asked next. */
  async markAwaitingCa(job: JobRow, caOrderId: string, nextPollAt: Date, tx: Prisma.TransactionClient): Promise<void> {
    const result = job.result && typeof job.result === 'object' && !Array.isArray(job.result) ? job.result : {};
    await tx.job.update({
      where: { id: job.id },
      data: { status: 'awaiting_ca', scheduledAt: nextPollAt, result: { ...result, ca_order_id: caOrderId } },
    });
  }

  async setCertificateStatus(certificateId: string, status: Db.CertificateStatus, tx: Prisma.TransactionClient): Promise<void> {
    await tx.certificate.update({ where: { id: certificateId }, data: { status } });
  }

  /** Moves the certificate to `status` only from the statuses listed (a set-based guard). */
  async setCertificateStatusFrom(
    certificateId: string,
    from: Db.CertificateStatus[],
    status: Db.CertificateStatus,
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    await tx.certificate.updateMany({ where: { id: certificateId, status: { in: from } }, data: { status } });
  }

  async keyGenerationOf(certificateId: string, tx: Prisma.TransactionClient): Promise<{ keyGeneration: string } | null> {
    const cert = await tx.certificate.findUnique({
      where: { id: certificateId },
      select: { profile: { select: { keyGeneration: true } } },
    });
    return cert?.profile ?? null;
  }

  recordDecision(id: string, decision: JobDecision, tx: Prisma.TransactionClient): Promise<JobRow> {
    return tx.job.update({
      where: { id },
      data: {
        status: decision.status,
        decidedBy: decision.decidedBy,
        decisionReason: decision.reason,
        decidedAt: new Date(),
        ...(decision.status === 'cancelled' ? { completedAt: new Date() } : {}),
      },
    });
  }

  /** failed → pending with a fresh attempt budget. */
  resetForRetry(id: string, tx: Prisma.TransactionClient): Promise<JobRow> {
    return tx.job.update({ where: { id }, data: { status: 'pending', attempts: 0, startedAt: null, completedAt: null } });
  }
}
