import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  AppError,
  AuditEvents,
  Events,
  InventoryJob,
  LifecycleEvents,
  QueueName,
  type RpcRequestParsed,
  type RpcResponse,
  Rpc,
} from '@certctl/contracts';
import type { Db, Prisma } from '@certctl/database';
import { Outbox, auditEvent } from '@certctl/messaging';
import { getLogger, injectTraceHeaders } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { assertCertificateTransition, canMoveCertificate } from '../certificates/certificate-state';
import { assertTransition } from './job-state';
import { type CompletionRow, JobRepository, type StoredVersionRow } from './job.repository';

type CompleteRequest = RpcRequestParsed<typeof Rpc.inventory.jobComplete>;
interface StoredVersion {
  job: CompletionRow;
  version: StoredVersionRow;
}
interface CompletionOutcome {
  jobId: string;
  versionId: string;
  certificateId: string;
  /** Set when this call stored the version (not a repeat). */
  stored?: StoredVersion;
}
const KEY_ALGORITHM_DEFAULT = 'ECDSA-P256';

@Injectable()
export class JobService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repo: JobRepository,
    private readonly queues: QueueService,
    private readonly outbox: Outbox,
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

  /**
   * Puts issuance/renewal jobs back on the queue when their entry was lost (Redis flushed, enqueue
   * failed) or dead-lettered without the job row knowing: pending rows, and running rows no worker
   * touched for a while, whose queue entry failed its attempts because this service could not be
   * reached (a restart) to start the job or record the failure. The row is the record; its own
   * max_attempts still bounds the attempts.
   */
  async reconcile(): Promise<number> {
    try {
      const stale = await this.repo.findStaleIssuance(new Date(Date.now() - 15000), 1000);
      const outcomes = { added: 0, revived: 0, queued: 0 };
      for (const job of stale) {
        const data = { job_id: job.id, certificate_id: job.certificateId, traceparent: job.traceparent ?? undefined };
        // A running job's entry may be with a worker or just finishing: only a dead one is revived.
        const onlyDead = job.status === 'running';
        outcomes[await this.queues.ensureQueued(QueueName.Issuance, job.id, data, { onlyDead })]++;
      }
      if (outcomes.added + outcomes.revived) getLogger().info(outcomes, 'requeued lost or dead-lettered issuance jobs');
      return outcomes.added + outcomes.revived;
    } catch (err) {
      getLogger().warn({ err: (err as Error).message }, 'job reconciliation failed');
      return 0;
    }
  }

  traceparent(): string | undefined {
    return injectTraceHeaders().traceparent;
  }

  /**
   * pending → running (or a redelivered running job), counting the attempt; returns what to sign.
   * One statement (a conditional UPDATE, atomic on its row, so no explicit transaction or lock:
   * this runs once per issued certificate) that also reads the job back with its certificate,
   * profile and current version.
   */
  async start(id: string): Promise<RpcResponse<typeof Rpc.inventory.jobStart>> {
    // pending → running and running → running are both allowed moves (job-state.ts).
    const job = await this.repo.startAndRead(id);
    if (!job) throw AppError.notFound('job', id);
    const { status, attempts } = job;
    const cert = job.certificate;
    const profile = cert.profile;
    const algs = (profile?.allowedKeyAlgorithms ?? []) as { algorithm?: string; min_size?: number }[];
    const previous = job.type === 'renewal' ? job.currentVersion : null;
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
        validity_seconds: profile?.maxValiditySeconds ?? null,
        ekus: profile?.ekus ?? ['serverAuth'],
        key_algorithm: keyAlgorithmOf(algs[0]) ?? KEY_ALGORITHM_DEFAULT,
        csr_pem: job.csrPem,
        replaces: previous ? { certificate_pem: previous.certificatePem, issuer_id: previous.issuerId } : null,
      },
    };
  }

  /**
   * Stores the issued version and activates the certificate. Idempotent per job. Runs once per
   * issued certificate, so it is kept to two statements in its transaction: one locking read of
   * the job with its certificate's status, any version already stored for it and the bound
   * targets; one that inserts the version and updates the certificate and the job (plus the
   * deployment jobs when targets are bound, and the events' outbox rows).
   */
  async complete(req: CompleteRequest): Promise<RpcResponse<typeof Rpc.inventory.jobComplete>> {
    let committed: Prisma.TransactionClient | undefined;
    const result = await this.repo.transaction((tx) => this.storeVersion(req, (committed = tx)));
    if (result.stored) {
      const { job, version } = result.stored;
      getLogger().info({ job_id: job.id, certificate_id: job.certificateId, serial: version.serialNumber }, 'certificate version stored');
      // Its events go out at once (the client of an ACME finalize waits for certificate-issued).
      this.outbox.wake(committed);
    }
    return { job_id: result.jobId, version_id: result.versionId, certificate_id: result.certificateId };
  }

  /** The version insert and the activation, in the caller's transaction; a job that already has its version answers it. */
  private async storeVersion(req: CompleteRequest, tx: Prisma.TransactionClient): Promise<CompletionOutcome> {
    const job = await this.repo.lockForCompletion(req.job_id, tx);
    if (!job) throw AppError.notFound('job', req.job_id);
    if (job.versionId) return { jobId: job.id, versionId: job.versionId, certificateId: job.certificateId };
    assertTransition(job.id, job.status, 'completed');
    assertCertificateTransition(job.certificateId, job.certificateStatus, 'active');
    const version = await this.repo.insertVersionAndComplete(job.id, job.certificateId, req.version, tx);
    // The new version goes out to every bound target with an agent: one deployment job each.
    await this.repo.insertDeploymentJobs(job.certificateId, version.id, job.targets, tx);
    await this.enqueueVersionEvents({ job, version }, tx);
    return { jobId: job.id, versionId: version.id, certificateId: job.certificateId, stored: { job, version } };
  }

  /** The events of a freshly stored version (a renewal also says so), in its transaction: published after the commit by the outbox. */
  private async enqueueVersionEvents({ job, version }: StoredVersion, tx: Prisma.TransactionClient): Promise<void> {
    await this.outbox.enqueue(tx, Events.certificateIssued, {
      certificate_id: job.certificateId,
      job_id: job.id,
      serial_number: version.serialNumber,
      not_after: version.notAfter.toISOString(),
    });
    if (job.type === 'renewal') {
      await this.outbox.enqueue(tx, LifecycleEvents.certificateRenewed, {
        certificate_id: job.certificateId,
        job_id: job.id,
        serial_number: version.serialNumber,
        not_after: version.notAfter.toISOString(),
      });
    }
    // An automatic renewal completes without any REST call: its audit row says so.
    if (job.type === 'renewal' && job.requestedBy === 'scheduler') {
      await this.outbox.enqueue(
        tx,
        AuditEvents.recorded,
        auditEvent({
          service: 'inventory',
          actor: { principal: 'scheduler', kind: 'scheduler' },
          action: 'certificate.renewal.complete',
          resource_type: 'certificate',
          resource_id: job.certificateId,
          details: { job_id: job.id, version_id: version.id, serial_number: version.serialNumber, not_after: version.notAfter },
        }),
      );
    }
  }

  /** An asynchronous CA's "pending": the job waits in awaiting_ca with the CA's order id (idempotent). */
  async awaitCa(req: RpcRequestParsed<typeof InventoryJob.awaitCa>): Promise<RpcResponse<typeof InventoryJob.awaitCa>> {
    return this.repo.transaction(async (tx) => {
      const job = await this.repo.lockRow(req.job_id, tx);
      if (job.status === 'awaiting_ca') return { job_id: job.id, status: job.status };
      assertTransition(job.id, job.status, 'awaiting_ca');
      await this.repo.markAwaitingCa(job, req.ca_order_id, new Date(req.next_poll_at), tx);
      getLogger().info({ job_id: job.id, ca_order_id: req.ca_order_id }, 'job awaits its CA order');
      return { job_id: job.id, status: 'awaiting_ca' as const };
    });
  }

  /** Records a failed attempt; terminal (or out of attempts) → failed, else back to pending for the queue's retry. */
  async fail(req: RpcRequestParsed<typeof Rpc.inventory.jobFail>): Promise<RpcResponse<typeof Rpc.inventory.jobFail>> {
    const out = await this.repo.transaction(async (tx) => {
      const job = await this.repo.lockWithCertificate(req.job_id, tx);
      if (job.status === 'completed' || job.status === 'cancelled' || job.status === 'failed') {
        return { job_id: job.id, status: job.status, attempts: job.attempts, certificateId: job.certificateId, terminal: false };
      }
      const terminal = req.terminal || job.attempts >= job.maxAttempts;
      const status: Db.JobStatus = terminal ? 'failed' : 'pending';
      assertTransition(job.id, job.status, status);
      await this.repo.recordFailure(job.id, status, req.error, terminal, tx, req.retry_at ? new Date(req.retry_at) : undefined);
      if (terminal && canMoveCertificate(job.certificate.status, 'failed')) {
        await this.repo.setCertificateStatus(job.certificateId, 'failed', tx);
      }
      if (terminal)
        await this.outbox.enqueue(tx, Events.jobFailed, { job_id: job.id, certificate_id: job.certificateId, error: req.error });
      return { job_id: job.id, status, attempts: job.attempts, certificateId: job.certificateId, terminal };
    });
    if (out.terminal) this.outbox.wake();
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
