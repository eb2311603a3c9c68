import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AppError, InventoryJob, outageError, type IssuanceJobData, QueueName, Rpc, type RpcResponse } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger, registry } from '@certctl/observability';
import {
  type ExtendedKeyUsageName,
  type KeyAlgorithm,
  createCsr,
  csrPublicKey,
  exportPrivateKeyPem,
  generateKeyPair,
  parseCertificate,
} from '@certctl/pki';
import { QueueService, retryDelayMs } from '@certctl/queue';
import { Histogram } from 'prom-client';
import { type CaOrderRow, CaOrderRepository } from '../ca-orders/ca-order.repository';
import { nextPollAt } from '../ca-orders/poll-schedule';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { ConnectorRegistry } from '../connectors';
import { isPending } from '../connectors/connector';
import type { ResolvedIssuer } from '../connectors/connector-registry';
import { IssuerService } from '../issuers/issuer.service';
import { IssuedCertificateRepository } from './issued-certificate.repository';
import { completeJob } from './job-completion';
import { ProfilePolicies } from './profile-policy';
import { crashAfterSignForTest } from './test-hooks';

const issuanceTotal = counter('certctl_issuance_total', 'Certificates issued (or failed) by issuer type and result', [
  'issuer_type',
  'result',
]);
const issuanceDuration = new Histogram({
  name: 'certctl_issuance_duration_seconds',
  help: 'Time to issue one certificate by issuer type',
  labelNames: ['issuer_type'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/**
 * Consumes the issuance queue. The queue job id is the jobs-table id and the
 * idempotency key: what was signed for a job is recorded (issued_certificates, keyed
 * by job id) before inventory is told, so a redelivery reuses the first certificate
 * and never signs a second one.
 *
 * Two attempt bounds apply: the queue's (job.opts.attempts, set by inventory when it adds
 * the job) and the job row's own max_attempts (the renewal policy's max_retries). Whichever
 * is reached first ends both: the job row goes `failed` and the queue job ends failed
 * (dead-lettered, with the reason), never "completed".
 */
@Injectable()
export class IssuanceProcessor implements OnApplicationBootstrap {
  private readonly policies: ProfilePolicies;

  constructor(
    private readonly issued: IssuedCertificateRepository,
    private readonly caOrders: CaOrderRepository,
    private readonly rpc: RpcClient,
    private readonly queues: QueueService,
    private readonly issuers: IssuerService,
    private readonly connectors: ConnectorRegistry,
    @Inject(ISSUANCE_CONFIG) private readonly config: IssuanceConfig,
  ) {
    this.policies = new ProfilePolicies(rpc);
  }

  onApplicationBootstrap(): void {
    this.queues.worker(QueueName.Issuance, (job) => this.process(job), {
      concurrency: this.config.CERTCTL_ISSUANCE_CONCURRENCY,
      lockDurationMs: this.config.CERTCTL_ISSUANCE_LOCK_MS,
      stalledIntervalMs: this.config.CERTCTL_ISSUANCE_STALLED_INTERVAL_MS,
    });
    void this.queues.refreshDeadLetterGauge(QueueName.Issuance).catch(() => undefined);
  }

  async process(job: Job<IssuanceJobData>): Promise<{ serial_number: string } | { skipped: string } | { pending: string }> {
    const jobId = job.data.job_id;
    const log = getLogger().child({ job_id: jobId, certificate_id: job.data.certificate_id });
    const started = process.hrtime.bigint();
    const work = await this.rpc.request(Rpc.inventory.jobStart, { id: jobId });
    if (work.status === 'failed') {
      // The job row already failed (an earlier attempt recorded a terminal failure but its
      // queue attempt did not end, e.g. the worker died): dead-letter this queue entry too.
      log.warn({ attempts: work.attempts, error: work.last_error }, 'issuance job has already failed; dead-lettering its queue entry');
      throw new AppError('conflict', `job ${jobId} has failed: ${work.last_error ?? 'no error recorded'}`, { retryable: false });
    }
    if (work.status !== 'running') {
      // completed (a redelivery: nothing to sign again), cancelled, or waiting for a person.
      log.info({ status: work.status }, 'issuance job is not runnable; nothing to do');
      return { skipped: work.status };
    }
    // The issuer's connector signs; its type is the metrics' issuer_type.
    let issuerType = 'unknown';
    try {
      // The issuer, and what this job already has (its certificate, or an order an asynchronous CA
      // is working on), read at once: three independent reads, one wait.
      const [resolved, issuedBefore, caOrder] = await Promise.all([
        this.connectors.resolve(work.certificate.issuer_id),
        this.issued.findByJob(jobId),
        this.caOrders.findByJob(jobId),
      ]);
      issuerType = resolved.connector.type;
      const signed = issuedBefore ?? caOrder ?? (await this.sign(jobId, work, resolved));
      if ('caOrderId' in signed) return await this.awaitCa(signed, issuerType, log);
      const issued = signed;
      await completeJob(this.rpc, jobId, issued, resolved, log);
      issuanceTotal.inc({ issuer_type: issuerType, result: 'ok' });
      issuanceDuration.observe({ issuer_type: issuerType }, Number(process.hrtime.bigint() - started) / 1e9);
      log.info({ serial: issued.serialNumber, attempt: work.attempts }, 'certificate issued');
      return { serial_number: issued.serialNumber };
    } catch (err) {
      issuanceTotal.inc({ issuer_type: issuerType, result: 'error' });
      const appErr = retryableUnlessDecided(err);
      const retryIn = appErr.retryable ? retryDelayMs(job.opts, job.attemptsMade) : null;
      const recorded = await this.rpc
        .request(Rpc.inventory.jobFail, {
          job_id: jobId,
          error: `${appErr.code}: ${appErr.message}`,
          terminal: retryIn === null,
          // The queue's next attempt, so the job shows when it runs again (waiting_reason retry_backoff).
          ...(retryIn !== null ? { retry_at: new Date(Date.now() + retryIn).toISOString() } : {}),
        })
        .catch((e: unknown) => void log.warn({ err: (e as Error).message }, 'could not record the failure on the job'));
      // Inventory marks the job failed on a terminal error, on the queue's last attempt, or when
      // the job's own max_attempts is reached: then the queue must not retry it either.
      const dead = !appErr.retryable || recorded?.status === 'failed';
      log.warn(
        {
          code: appErr.code,
          detail: appErr.message,
          retryable: appErr.retryable,
          attempt: work.attempts,
          job_status: recorded?.status,
          dead,
        },
        'issuance attempt failed',
      );
      if (dead && appErr.retryable) throw new AppError(appErr.code, appErr.message, { retryable: false, cause: err });
      throw appErr;
    }
  }

  /**
   * The CA answered pending: the job waits in awaiting_ca and this worker is free; the order
   * poller (ca-orders/) asks the CA again with backoff. Repeated by a redelivery: harmless.
   */
  private async awaitCa(order: CaOrderRow, issuerType: string, log: ReturnType<typeof getLogger>): Promise<{ pending: string }> {
    await this.rpc.request(InventoryJob.awaitCa, {
      job_id: order.jobId,
      ca_order_id: order.caOrderId,
      next_poll_at: order.nextPollAt.toISOString(),
    });
    issuanceTotal.inc({ issuer_type: issuerType, result: 'pending' });
    log.info(
      { ca_order_id: order.caOrderId, next_poll_at: order.nextPollAt },
      'the CA accepted the request as pending; its order is polled',
    );
    return { pending: order.caOrderId };
  }

  private async sign(jobId: string, work: RpcResponse<typeof Rpc.inventory.jobStart>, { connector, issuer, enabled }: ResolvedIssuer) {
    if (!enabled) throw new AppError('conflict', `issuer ${issuer.id} is retired`, { retryable: false });
    const cert = work.certificate;
    // Agent-generated key: the agent's CSR (inventory checked its signature, names and key
    // policy). Otherwise the key is made here, kept encrypted, and a CSR is built for it when
    // the connector asks for one.
    // The profile's policy is looked up while the key is made or read.
    const policy = this.policies.of(cert.profile_id);
    const [keys, csrKey] = await Promise.all([
      cert.csr_pem ? null : generateKeyPair(cert.key_algorithm as KeyAlgorithm),
      cert.csr_pem ? csrPublicKey(cert.csr_pem) : null,
      policy,
    ]);
    let csr: Promise<string> | undefined;
    const request = {
      jobId,
      csrPem: () =>
        (csr ??= cert.csr_pem ? Promise.resolve(cert.csr_pem) : createCsr({ keys: keys!, commonName: cert.common_name, sans: cert.sans })),
      publicKey: keys ? keys.publicKey : csrKey!,
      commonName: cert.common_name,
      sans: cert.sans,
      validityDays: cert.validity_days,
      validitySeconds: cert.validity_seconds ?? undefined,
      ekus: cert.ekus as ExtendedKeyUsageName[],
      profileId: cert.profile_id,
      // The profile again, inside the signer: defence in depth behind inventory's checks.
      policy: await policy,
      replaces: cert.replaces ? { certificatePem: cert.replaces.certificate_pem, issuerId: cert.replaces.issuer_id } : undefined,
    };
    const leaf = work.job_type === 'renewal' ? await connector.renew(issuer, request) : await connector.issue(issuer, request);
    const keyPem = keys ? await exportPrivateKeyPem(keys.privateKey) : null;
    const encryptedPrivateKey = keyPem ? Buffer.from(this.issuers.box.encrypt(keyPem, `leaf-key:${jobId}`)) : null;
    if (isPending(leaf)) {
      const now = new Date();
      const deadlineAt = new Date(now.getTime() + this.config.CERTCTL_CA_ORDER_MAX_WAIT_MS);
      return this.caOrders.insertOnce({
        jobId,
        issuerId: issuer.id,
        caOrderId: leaf.orderId,
        csrPem: await request.csrPem(),
        encryptedPrivateKey,
        keyVersion: this.issuers.box.currentVersion,
        nextPollAt: nextPollAt(0, now, deadlineAt)!,
        deadlineAt,
      });
    }
    const serialNumber = leaf.serialNumber ?? (await parseCertificate(leaf.certificatePem)).serialNumber;
    // Another delivery of the same job may have got there first: its certificate is the one.
    const { row, inserted } = await this.issued.insertOnce({
      jobId,
      issuerId: issuer.id,
      serialNumber,
      certificatePem: leaf.certificatePem,
      chainPem: leaf.chainPem,
      encryptedPrivateKey,
      keyVersion: this.issuers.box.currentVersion,
    });
    if (inserted) crashAfterSignForTest(cert.common_name); // test hook (NODE_ENV=test only), see test-hooks.ts
    return row;
  }
}

/**
 * The error of a failed attempt as the queue should treat it. An unexpected failure here or in
 * another service (`internal` over the bus: a database connection or transaction that timed out
 * under load) says nothing about the job, so it is retried like a CA outage, within the attempt
 * bounds; the AppErrors a service answers on purpose keep their own retryable flag.
 */
export function retryableUnlessDecided(err: unknown): AppError {
  if (!(err instanceof AppError)) return outageError(err) ?? new AppError('issuer_failure', (err as Error).message, { retryable: true });
  if (err.code === 'internal' && !err.retryable) return new AppError('internal', err.message, { retryable: true, cause: err });
  return err;
}
