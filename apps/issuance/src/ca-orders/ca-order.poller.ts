import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppError, Rpc } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { parseCertificate, parseCsr } from '@certctl/pki';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { ConnectorRegistry } from '../connectors';
import { ConnectorError, type IssueOutcome, isPending } from '../connectors/connector';
import type { ResolvedIssuer } from '../connectors/connector-registry';
import { IssuedCertificateRepository } from '../issuing/issued-certificate.repository';
import { completeJob } from '../issuing/job-completion';
import { type CaOrderRow, CaOrderRepository } from './ca-order.repository';
import { describeWait, nextPollAt } from './poll-schedule';

const polls = counter('certctl_ca_order_polls_total', 'Polls of asynchronous CA orders by outcome', ['result']);
/** Orders taken per pass, and how long a taken order is left alone if its poller dies mid-poll. */
const BATCH = 20;
const LEASE_MS = 60000;

export type PollResult = 'issued' | 'pending' | 'failed' | 'stopped';

/**
 * Polls the orders asynchronous CAs answered "pending" for (ca_orders), without holding an
 * issuance worker: a loop reads the due orders from the database (so they survive restarts),
 * asks each order's connector, and then completes the job with the leaf, asks again later
 * (poll-schedule.ts), or fails the job when its CA refused or the order waited too long. A job
 * that is no longer awaiting_ca (cancelled, e.g. its certificate archived) stops its polling and
 * gets no certificate.
 */
@Injectable()
export class CaOrderPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<number>;

  constructor(
    private readonly orders: CaOrderRepository,
    private readonly issued: IssuedCertificateRepository,
    private readonly connectors: ConnectorRegistry,
    private readonly rpc: RpcClient,
    @Inject(ISSUANCE_CONFIG)
    private readonly config: Pick<IssuanceConfig, 'CERTCTL_CA_ORDER_POLL_TICK_MS' | 'CERTCTL_CA_ORDER_MAX_WAIT_MS'>,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pollDue(), this.config.CERTCTL_CA_ORDER_POLL_TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.pass?.catch(() => undefined);
  }

  /** One pass over the due orders (one pass at a time); answers how many were polled. */
  pollDue(): Promise<number> {
    this.pass ??= this.pollBatch().finally(() => (this.pass = undefined));
    return this.pass;
  }

  private async pollBatch(): Promise<number> {
    let due: CaOrderRow[];
    try {
      due = await this.orders.claimDue(BATCH, LEASE_MS);
    } catch (err) {
      getLogger().warn({ err: (err as Error).message }, 'could not read the due CA orders');
      return 0;
    }
    for (const order of due) {
      const result = await this.pollOne(order).catch((err: unknown) => {
        // The bus or the database failed: the lease lapses and the order is polled again.
        getLogger().warn({ job_id: order.jobId, err: (err as Error).message }, 'CA order poll failed; retried after its lease');
        return 'error';
      });
      polls.inc({ result });
    }
    return due.length;
  }

  async pollOne(order: CaOrderRow): Promise<PollResult> {
    const log = getLogger().child({ job_id: order.jobId, ca_order_id: order.caOrderId });
    const job = await this.rpc.request(Rpc.inventory.jobGet, { id: order.jobId }).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'not_found') return null;
      throw err;
    });
    if (job && (job.status === 'running' || job.status === 'pending')) {
      return this.stillPending(order, 'the job is not awaiting the CA yet'); // its worker parks it in a moment
    }
    if (job?.status !== 'awaiting_ca') {
      await this.orders.remove(order.jobId);
      log.info({ status: job?.status ?? 'gone' }, 'the job no longer awaits its CA order: polling stopped');
      return 'stopped';
    }
    let resolved: ResolvedIssuer;
    let outcome: IssueOutcome;
    try {
      resolved = await this.connectors.resolve(order.issuerId);
      outcome = await this.ask(resolved, order);
    } catch (err) {
      const appErr = err instanceof AppError ? err : ConnectorError.retryable((err as Error).message, err);
      const error = `${appErr.code}: ${appErr.message}`;
      return appErr.retryable ? this.stillPending(order, error) : this.fail(order, error);
    }
    if (isPending(outcome)) return this.stillPending(order, outcome.detail ?? null);
    const { row } = await this.issued.insertOnce({
      jobId: order.jobId,
      issuerId: order.issuerId,
      serialNumber: outcome.serialNumber ?? (await parseCertificate(outcome.certificatePem)).serialNumber,
      certificatePem: outcome.certificatePem,
      chainPem: outcome.chainPem,
      encryptedPrivateKey: order.encryptedPrivateKey,
      keyVersion: order.encryptedPrivateKey ? order.keyVersion : null,
    });
    try {
      await completeJob(this.rpc, order.jobId, row, resolved, log);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'illegal_transition')) throw err;
      log.info({ err: err.message }, 'the job was cancelled while its certificate arrived: not stored');
      await this.orders.remove(order.jobId);
      return 'stopped';
    }
    await this.orders.remove(order.jobId);
    log.info({ serial: row.serialNumber, polls: order.polls + 1 }, 'the CA finished its order: certificate issued');
    return 'issued';
  }

  private async ask({ connector, issuer }: ResolvedIssuer, order: CaOrderRow): Promise<IssueOutcome> {
    if (!connector.poll) throw ConnectorError.terminal(`the ${connector.type} connector cannot poll CA orders`);
    const csr = await parseCsr(order.csrPem);
    return connector.poll(issuer, {
      jobId: order.jobId,
      orderId: order.caOrderId,
      csrPem: () => Promise.resolve(order.csrPem),
      publicKey: csr.publicKey,
      commonName: csr.commonName ?? '',
      sans: csr.sans,
    });
  }

  /** Asks again later with backoff; past the order's deadline the job fails. */
  private async stillPending(order: CaOrderRow, detail: string | null): Promise<PollResult> {
    const next = nextPollAt(order.polls + 1, new Date(), order.deadlineAt);
    if (next) {
      await this.orders.reschedule(order.jobId, next, detail);
      return 'pending';
    }
    const waited = describeWait(order.deadlineAt.getTime() - order.createdAt.getTime());
    const last = detail ?? order.lastDetail;
    return this.fail(
      order,
      `issuer_failure: the CA did not finish order ${order.caOrderId} within ${waited} (${order.polls + 1} polls)${last ? `; last answer: ${last}` : ''}`,
    );
  }

  private async fail(order: CaOrderRow, error: string): Promise<PollResult> {
    await this.rpc.request(Rpc.inventory.jobFail, { job_id: order.jobId, error: error.slice(0, 4000), terminal: true });
    await this.orders.remove(order.jobId);
    getLogger().warn({ job_id: order.jobId, ca_order_id: order.caOrderId, error }, 'CA order failed');
    return 'failed';
  }
}
