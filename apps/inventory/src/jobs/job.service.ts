import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppError, Events, LifecycleEvents, QueueName, type RpcRequestParsed, type RpcResponse, Rpc } from '@certctl/contracts';
import { type Db, PrismaService, newId } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger, injectTraceHeaders } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { toVersionDto } from '../certificates/certificate.mapper';
import { assertCertificateTransition, canMoveCertificate } from '../certificates/certificate-state';
import { assertTransition } from './job-state';

type Tx = Parameters<Parameters<PrismaService['$transaction']>[0]>[0];
const KEY_ALGORITHM_DEFAULT = 'ECDSA-P256';

@Injectable()
export class JobService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: PrismaService,
    private readonly queues: QueueService,
    private readonly rpc: RpcClient,
    @Inject(INVENTORY_CONFIG) private readonly config: InventoryConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.config.CERTCTL_INVENTORY_RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Queues the issuance job (the job id is the queue job id, so queuing twice is harmless). */
  async enqueueIssuance(jobId: string, certificateId: string, traceparent?: string): Promise<void> {
    await this.queues.add(QueueName.Issuance, jobId, { job_id: jobId, certificate_id: certificateId, traceparent });
  }

  /** Puts pending issuance/renewal jobs back on the queue when their entry was lost (Redis flushed, enqueue failed). */
  async reconcile(): Promise<number> {
    try {
      const stale = await this.db.job.findMany({
        where: { status: 'pending', type: { in: ['issuance', 'renewal'] }, createdAt: { lt: new Date(Date.now() - 15000) } },
        select: { id: true, certificateId: true, traceparent: true },
        take: 1000,
      });
      for (const j of stale) await this.enqueueIssuance(j.id, j.certificateId, j.traceparent ?? undefined);
      if (stale.length) getLogger().info({ count: stale.length }, 'requeued pending issuance jobs');
      return stale.length;
    } catch (err) {
      getLogger().warn({ err: (err as Error).message }, 'job reconciliation failed');
      return 0;
    }
  }

  traceparent(): string | undefined {
    return injectTraceHeaders().traceparent;
  }

  private async lockJob(tx: Tx, id: string) {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM jobs WHERE id = ${id} FOR UPDATE`;
    if (rows.length === 0) throw AppError.notFound('job', id);
    return tx.job.findUniqueOrThrow({ where: { id }, include: { certificate: { include: { profile: true } } } });
  }

  /**
   * pending → running (or a redelivered running job), counting the attempt; returns what to sign.
   * One conditional UPDATE (atomic on its row, so no explicit transaction or lock: this runs
   * once per issued certificate), then one read of the job with its certificate and profile.
   */
  async start(id: string): Promise<RpcResponse<typeof Rpc.inventory.jobStart>> {
    // pending → running and running → running are both allowed moves (job-state.ts).
    await this.db.$executeRaw`
      UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = now(), updated_at = now()
      WHERE id = ${id} AND status IN ('pending', 'running')`;
    const job = await this.db.job.findUnique({ where: { id }, include: { certificate: { include: { profile: true } } } });
    if (!job) throw AppError.notFound('job', id);
    const { status, attempts } = job;
    const cert = job.certificate;
    const profile = cert.profile;
    const algs = (profile?.allowedKeyAlgorithms ?? []) as { algorithm?: string; min_size?: number }[];
    return {
      job_id: id,
      status,
      attempts,
      max_attempts: job.maxAttempts,
      job_type: job.type,
      last_error: job.lastError,
      certificate: {
        id: cert.id,
        common_name: cert.commonName,
        sans: cert.sans,
        issuer_id: cert.issuerId,
        profile_id: cert.profileId,
        validity_days: profile?.maxValidityDays ?? this.config.CERTCTL_DEFAULT_VALIDITY_DAYS,
        ekus: profile?.ekus ?? ['serverAuth'],
        key_algorithm: keyAlgorithmOf(algs[0]) ?? KEY_ALGORITHM_DEFAULT,
        csr_pem: job.csrPem,
      },
    };
  }

  /**
   * Stores the issued version and activates the certificate. Idempotent per job. Runs once per
   * issued certificate, so it is kept to few statements: one locking read of the job with its
   * certificate's status and any version already stored for it, the version insert, one
   * statement for the certificate and the job, and the read of the bound targets.
   */
  async complete(req: RpcRequestParsed<typeof Rpc.inventory.jobComplete>): Promise<RpcResponse<typeof Rpc.inventory.jobComplete>> {
    const result = await this.db.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<
        {
          id: string;
          status: Db.JobStatus;
          type: Db.JobType;
          certificate_id: string;
          certificate_status: Db.CertificateStatus;
          version_id: string | null;
        }[]
      >`
        SELECT j.id, j.status, j.type, j.certificate_id, c.status AS certificate_status,
               (SELECT v.id FROM certificate_versions v WHERE v.job_id = j.id) AS version_id
        FROM jobs j JOIN certificates c ON c.id = j.certificate_id
        WHERE j.id = ${req.job_id} FOR UPDATE OF j`;
      if (!row) throw AppError.notFound('job', req.job_id);
      const job = { id: row.id, status: row.status, type: row.type, certificateId: row.certificate_id };
      if (row.version_id) return { job_id: job.id, version_id: row.version_id, certificate_id: job.certificateId, fresh: false };
      assertTransition(job.id, job.status, 'completed');
      const v = req.version;
      const version = await tx.certificateVersion.create({
        data: {
          id: newId('ver'),
          certificateId: job.certificateId,
          jobId: job.id,
          issuerId: v.issuer_id,
          serialNumber: v.serial_number,
          fingerprintSha256: v.fingerprint_sha256,
          certificatePem: v.certificate_pem,
          chainPem: v.chain_pem,
          notBefore: new Date(v.not_before),
          notAfter: new Date(v.not_after),
          keyAlgorithm: v.key_algorithm,
          keySize: v.key_size,
          keySource: v.key_source,
          ariWindowStart: v.renewal_window ? new Date(v.renewal_window.start) : null,
          ariWindowEnd: v.renewal_window ? new Date(v.renewal_window.end) : null,
        },
      });
      assertCertificateTransition(job.certificateId, row.certificate_status, 'active');
      await tx.$executeRaw`
        WITH cert AS (
          UPDATE certificates SET status = 'active', current_version_id = ${version.id}, expires_at = ${version.notAfter}, updated_at = now()
          WHERE id = ${job.certificateId}
        )
        UPDATE jobs SET status = 'completed', completed_at = now(), last_error = NULL, updated_at = now() WHERE id = ${job.id}`;
      // The new version goes out to every bound target with an agent: one deployment job each.
      const targets = await tx.$queryRaw<{ id: string; agent_id: string }[]>`
        SELECT t.id, t.agent_id FROM certificate_targets ct JOIN targets t ON t.id = ct.target_id
        WHERE ct.certificate_id = ${job.certificateId} AND t.enabled AND t.agent_id IS NOT NULL`;
      if (targets.length) {
        await tx.job.createMany({
          data: targets.map((t) => ({
            id: newId('job'),
            type: 'deployment' as const,
            status: 'pending' as const,
            certificateId: job.certificateId,
            targetId: t.id,
            agentId: t.agent_id,
            requestedBy: 'system',
            result: { version_id: version.id },
          })),
        });
      }
      return { job_id: job.id, version_id: version.id, certificate_id: job.certificateId, fresh: true, version, type: job.type };
    });
    if (result.fresh && result.version) {
      getLogger().info(
        { job_id: result.job_id, certificate_id: result.certificate_id, serial: result.version.serialNumber },
        'certificate version stored',
      );
      await this.rpc.emit(Events.certificateIssued, {
        certificate_id: result.certificate_id,
        job_id: result.job_id,
        serial_number: toVersionDto(result.version).serial_number,
        not_after: result.version.notAfter.toISOString(),
      });
      if (result.type === 'renewal') {
        await this.rpc.emit(LifecycleEvents.certificateRenewed, {
          certificate_id: result.certificate_id,
          job_id: result.job_id,
          serial_number: result.version.serialNumber,
          not_after: result.version.notAfter.toISOString(),
        });
      }
    }
    return { job_id: result.job_id, version_id: result.version_id, certificate_id: result.certificate_id };
  }

  /** Records a failed attempt; terminal (or out of attempts) → failed, else back to pending for the queue's retry. */
  async fail(req: RpcRequestParsed<typeof Rpc.inventory.jobFail>): Promise<RpcResponse<typeof Rpc.inventory.jobFail>> {
    const out = await this.db.$transaction(async (tx) => {
      const job = await this.lockJob(tx, req.job_id);
      if (job.status === 'completed' || job.status === 'cancelled' || job.status === 'failed') {
        return { job_id: job.id, status: job.status, attempts: job.attempts, certificateId: job.certificateId, terminal: false };
      }
      const terminal = req.terminal || job.attempts >= job.maxAttempts;
      const status: Db.JobStatus = terminal ? 'failed' : 'pending';
      assertTransition(job.id, job.status, status);
      await tx.job.update({
        where: { id: job.id },
        data: { status, lastError: req.error, ...(terminal ? { completedAt: new Date() } : {}) },
      });
      if (terminal && canMoveCertificate(job.certificate.status, 'failed')) {
        await tx.certificate.update({ where: { id: job.certificateId }, data: { status: 'failed' } });
      }
      return { job_id: job.id, status, attempts: job.attempts, certificateId: job.certificateId, terminal };
    });
    if (out.terminal) await this.rpc.emit(Events.jobFailed, { job_id: out.job_id, certificate_id: out.certificateId, error: req.error });
    return { job_id: out.job_id, status: out.status, attempts: out.attempts };
  }
}

function keyAlgorithmOf(a: { algorithm?: string; min_size?: number } | undefined): string | undefined {
  if (!a?.algorithm) return undefined;
  const alg = a.algorithm.toUpperCase();
  if (alg === 'ECDSA') return (a.min_size ?? 256) > 256 ? 'ECDSA-P384' : 'ECDSA-P256';
  if (alg === 'RSA') return `RSA-${Math.max(2048, a.min_size ?? 2048)}`;
  if (alg === 'ED25519') return 'Ed25519';
  return undefined;
}
