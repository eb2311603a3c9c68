import type { Job } from 'bullmq';
import { AppError, InventoryJob, type IssuanceJobData, Rpc } from '@certctl/contracts';
import type { IssuanceConfig } from '../config';
import { registry } from '@certctl/observability';
import { createRootCa, exportSpki, generateKeyPair, parseCsr, signLeaf } from '@certctl/pki';
import { ConnectorError, type IssueRequest } from '../connectors/connector';
import { IssuanceProcessor, retryableUnlessDecided } from './issuance.processor';

type Status = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'awaiting_approval' | 'awaiting_csr';

/** A processor over fakes: inventory answers jobStart/jobFail as told; the issuer's connector fails (by default retryably: no CA yet). */
function setup(o: {
  start: Status;
  lastError?: string | null;
  failStatus?: Status;
  caError?: AppError;
  connectorType?: string;
  jobType?: 'issuance' | 'renewal';
}) {
  const calls: { subject: string; payload: unknown }[] = [];
  const rpc = {
    request: jest.fn(async (contract: { subject: string }, payload: unknown) => {
      calls.push({ subject: contract.subject, payload });
      if (contract === Rpc.inventory.jobStart) {
        return {
          job_id: 'job-1',
          status: o.start,
          attempts: 3,
          max_attempts: 3,
          job_type: o.jobType,
          last_error: o.lastError ?? null,
          certificate: {
            id: 'cert-1',
            common_name: 'a.example.com',
            sans: ['a.example.com'],
            issuer_id: 'iss-sub',
            profile_id: null,
            validity_days: 90,
            ekus: ['serverAuth'],
            key_algorithm: 'ECDSA-P256',
          },
        };
      }
      if (contract === Rpc.inventory.jobFail) return { job_id: 'job-1', status: o.failStatus ?? 'pending', attempts: 3 };
      if (contract === Rpc.inventory.jobComplete) return { job_id: 'job-1', status: 'completed' };
      if (contract === InventoryJob.awaitCa) return { job_id: 'job-1', status: 'awaiting_ca' };
      throw new Error(`unexpected request ${contract.subject}`);
    }),
  };
  const issued = { findByJob: jest.fn(async (): Promise<unknown> => null), insertOnce: jest.fn() };
  const caOrders = {
    findByJob: jest.fn(async (): Promise<unknown> => null),
    insertOnce: jest.fn(async (order: Record<string, unknown>) => ({ ...order, polls: 0 })),
  };
  const issuers = { box: { encrypt: jest.fn(() => Buffer.from('sealed')), currentVersion: 1 } };
  const connector = {
    type: o.connectorType ?? 'local',
    issue: jest.fn(async () => {
      throw o.caError ?? new AppError('issuer_failure', 'issuer iss-sub has no CA yet', { retryable: true });
    }),
    renew: jest.fn(async () => {
      throw new AppError('issuer_failure', 'renew refused', { retryable: false });
    }),
  };
  const connectors = {
    resolve: jest.fn(async () => ({ connector, enabled: true, issuer: { id: 'iss-sub', name: 'Sub', type: connector.type, config: {} } })),
  };
  const processor = new IssuanceProcessor(
    issued as never,
    caOrders as never,
    rpc as never,
    {} as never,
    issuers as never,
    connectors as never,
    {
      CERTCTL_PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
      CERTCTL_CA_ORDER_MAX_WAIT_MS: 3600000,
    } as IssuanceConfig,
  );
  const job = (attemptsMade: number, attempts = 5, backoff?: { type: string; delay: number }) =>
    ({
      id: 'job-1',
      data: { job_id: 'job-1', certificate_id: 'cert-1' },
      attemptsMade,
      opts: { attempts, backoff },
    }) as unknown as Job<IssuanceJobData>;
  return { processor, job, calls, connector, issued, caOrders };
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the job to fail');
}

describe('IssuanceProcessor attempt bounds', () => {
  it('ok/a retryable failure with attempts left on the job row stays retryable (the queue retries it)', async () => {
    const { processor, job, calls } = setup({ start: 'running', failStatus: 'pending' });
    const before = Date.now();
    const err = await rejection(processor.process(job(1, 5, { type: 'exponential', delay: 2000 })));
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: true });
    const payload = calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload as { retry_at: string };
    expect(payload).toEqual({
      job_id: 'job-1',
      error: 'issuer_failure: issuer iss-sub has no CA yet',
      terminal: false,
      retry_at: expect.any(String),
    });
    // the queue's next attempt after the second failure: 2 × 2000 ms later, recorded on the job
    const retryIn = Date.parse(payload.retry_at) - before;
    expect(retryIn).toBeGreaterThanOrEqual(4000);
    expect(retryIn).toBeLessThan(4000 + 5000);
  });

  it("fail/when the job row's max_attempts is reached before the queue's, the queue job is failed for good, with the reason", async () => {
    // Attempt 3 of a queue budget of 5: not the queue's last, but inventory marks the job failed.
    const { processor, job, calls } = setup({ start: 'running', failStatus: 'failed' });
    const err = await rejection(processor.process(job(2, 5)));
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: false, message: 'issuer iss-sub has no CA yet' });
    expect(calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload).toMatchObject({ terminal: false });
  });

  it("fail/on the queue's last attempt the failure is recorded as terminal and not retried", async () => {
    const { processor, job, calls } = setup({ start: 'running', failStatus: 'failed' });
    const err = await rejection(processor.process(job(4, 5)));
    expect(err.retryable).toBe(false);
    expect(calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload).toMatchObject({ terminal: true });
  });

  it('fail/a delivery of a job whose row already failed ends failed (dead letter), never completed, and signs nothing', async () => {
    const { processor, job, calls, connector } = setup({ start: 'failed', lastError: 'issuer_failure: issuer iss-sub has no CA yet' });
    const err = await rejection(processor.process(job(3, 5)));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('issuer_failure: issuer iss-sub has no CA yet');
    expect(connector.issue).not.toHaveBeenCalled();
    expect(calls.map((c) => c.subject)).toEqual([Rpc.inventory.jobStart.subject]);
  });

  it.each(['completed', 'cancelled'] as const)('ok/a redelivered %s job completes without signing again', async (status) => {
    const { processor, job, calls, connector, issued } = setup({ start: status });
    await expect(processor.process(job(0))).resolves.toEqual({ skipped: status });
    expect(connector.issue).not.toHaveBeenCalled();
    expect(issued.insertOnce).not.toHaveBeenCalled();
    expect(calls.map((c) => c.subject)).toEqual([Rpc.inventory.jobStart.subject]);
  });
});

describe('IssuanceProcessor dispatch through the connector registry', () => {
  it('fail/a non-retryable connector error on the first attempt makes the job terminal with the reason on the job row', async () => {
    const { processor, job, calls } = setup({
      start: 'running',
      failStatus: 'failed',
      caError: ConnectorError.terminal('the script exited with 2: unknown profile'),
    });
    const err = await rejection(processor.process(job(0, 5)));
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: false });
    expect(calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload).toEqual({
      job_id: 'job-1',
      error: 'issuer_failure: the script exited with 2: unknown profile',
      terminal: true,
    });
  });

  it('ok/a retryable connector error (EX_TEMPFAIL, timeout) goes back to the queue', async () => {
    const { processor, job, calls } = setup({ start: 'running', caError: ConnectorError.retryable('the script exited with 75: busy') });
    const err = await rejection(processor.process(job(0, 5)));
    expect(err.retryable).toBe(true);
    expect(calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload).toMatchObject({ terminal: false });
  });

  it('ok/a renewal job calls the connector renew operation, an issuance job issue', async () => {
    const renewal = setup({ start: 'running', jobType: 'renewal', failStatus: 'failed' });
    expect(await rejection(renewal.processor.process(renewal.job(0)))).toMatchObject({ message: 'renew refused' });
    expect(renewal.connector.renew).toHaveBeenCalledTimes(1);
    expect(renewal.connector.issue).not.toHaveBeenCalled();
    const issuance = setup({ start: 'running', jobType: 'issuance' });
    await rejection(issuance.processor.process(issuance.job(0)));
    expect(issuance.connector.issue).toHaveBeenCalledTimes(1);
    expect(issuance.connector.renew).not.toHaveBeenCalled();
  });

  it("ok/for a server-generated key the connector gets a CSR built by the server for that key and the job's names", async () => {
    const { processor, job, connector } = setup({ start: 'running' });
    let seen: { cn: string | null; sans: string[]; valid: boolean; sameKey: boolean } | undefined;
    connector.issue.mockImplementation(async (...args: unknown[]) => {
      const r = args[1] as IssueRequest;
      const pem = await r.csrPem();
      expect(await r.csrPem()).toBe(pem); // built once
      const csr = await parseCsr(pem);
      seen = {
        cn: csr.commonName,
        sans: csr.sans,
        valid: csr.signatureValid,
        sameKey: (await exportSpki(csr.publicKey)).equals(await exportSpki(r.publicKey)),
      };
      throw new AppError('issuer_failure', 'stop here', { retryable: true });
    });
    await rejection(processor.process(job(0)));
    expect(seen).toEqual({ cn: 'a.example.com', sans: ['a.example.com'], valid: true, sameKey: true });
  });

  it('ok/the metrics label issuer_type is the connector type', async () => {
    const { processor, job } = setup({ start: 'running', connectorType: 'script' });
    await rejection(processor.process(job(0)));
    const text = await registry.getSingleMetricAsString('certctl_issuance_total');
    expect(text).toMatch(/certctl_issuance_total\{issuer_type="script",result="error"\} [1-9]/);
  });

  describe('one certificate per job (issued_certificates is the idempotency record)', () => {
    async function leafPem(commonName: string) {
      const root = await createRootCa({ commonName: 'Processor Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
      const keys = await generateKeyPair('ECDSA-P256');
      const leaf = await signLeaf({ issuer: root, subjectPublicKey: keys.publicKey, commonName, sans: [commonName], validityDays: 10 });
      return { certificatePem: leaf.certificatePem, serialNumber: leaf.serialNumber };
    }
    const row = (leaf: { certificatePem: string; serialNumber: string }) => ({
      jobId: 'job-1',
      issuerId: 'iss-sub',
      serialNumber: leaf.serialNumber,
      certificatePem: leaf.certificatePem,
      chainPem: '',
      encryptedPrivateKey: null,
      keyVersion: 1,
    });
    const completed = (calls: { subject: string; payload: unknown }[]) =>
      calls.find((c) => c.subject === Rpc.inventory.jobComplete.subject)?.payload as { version: { serial_number: string } } | undefined;

    it('ok/a redelivered job whose certificate is recorded completes with it and signs nothing', async () => {
      const { processor, job, calls, connector, issued } = setup({ start: 'running' });
      const first = await leafPem('a.example.com');
      issued.findByJob.mockResolvedValue(row(first));
      expect(await processor.process(job(1))).toEqual({ serial_number: first.serialNumber });
      expect(connector.issue).not.toHaveBeenCalled();
      expect(issued.insertOnce).not.toHaveBeenCalled();
      expect(completed(calls)?.version.serial_number).toBe(first.serialNumber);
    });

    it('ok/when a concurrent delivery recorded its certificate first, that certificate is the one completed', async () => {
      const { processor, job, calls, connector, issued } = setup({ start: 'running' });
      const first = await leafPem('a.example.com');
      const second = await leafPem('a.example.com');
      connector.issue.mockResolvedValue({ ...second, chainPem: '' } as never);
      issued.insertOnce.mockResolvedValue({ row: row(first), inserted: false });
      expect(await processor.process(job(0))).toEqual({ serial_number: first.serialNumber });
      expect(issued.insertOnce).toHaveBeenCalledWith(
        expect.objectContaining({
          jobId: 'job-1',
          issuerId: 'iss-sub',
          serialNumber: second.serialNumber,
          encryptedPrivateKey: Buffer.from('sealed'),
        }),
      );
      expect(completed(calls)?.version.serial_number).toBe(first.serialNumber);
    });
  });
});

describe('IssuanceProcessor reads before signing', () => {
  it('ok/the issuer and what the job already has (certificate, CA order) are read together, not one after another', async () => {
    const { processor, job, issued, caOrders, connector } = setup({ start: 'running' });
    const resolve = (processor as unknown as { connectors: { resolve: jest.Mock } }).connectors.resolve;
    let answer!: (row: null) => void;
    issued.findByJob.mockImplementation(() => new Promise<null>((done) => (answer = done)));
    const processing = processor.process(job(0));
    for (let i = 0; i < 5 && !answer; i++) await new Promise((done) => setImmediate(done));
    expect(caOrders.findByJob).toHaveBeenCalledWith('job-1');
    expect(resolve).toHaveBeenCalledWith('iss-sub');
    expect(connector.issue).not.toHaveBeenCalled(); // nothing signed before the job's certificate is known to be absent
    answer(null);
    await expect(processing).rejects.toMatchObject({ code: 'issuer_failure' });
    expect(connector.issue).toHaveBeenCalledTimes(1);
  });
});

describe('IssuanceProcessor with an asynchronous CA', () => {
  it('ok/a pending answer records the CA order (with the server key sealed) and parks the job in awaiting_ca; the worker is free', async () => {
    const { processor, job, calls, connector, issued, caOrders } = setup({ start: 'running' });
    connector.issue.mockImplementation(async () => ({ pending: true, orderId: 'order-42' }) as never);
    const before = Date.now();
    await expect(processor.process(job(0))).resolves.toEqual({ pending: 'order-42' });
    expect(issued.insertOnce).not.toHaveBeenCalled();
    const order = caOrders.insertOnce.mock.calls[0]![0] as { nextPollAt: Date; deadlineAt: Date; csrPem: string };
    expect(order).toMatchObject({ jobId: 'job-1', issuerId: 'iss-sub', caOrderId: 'order-42', encryptedPrivateKey: Buffer.from('sealed') });
    expect(order.csrPem).toContain('BEGIN CERTIFICATE REQUEST');
    // first poll after 5 s ± 20 %, the order given up an hour (CERTCTL_CA_ORDER_MAX_WAIT_MS) after it was made
    expect(order.nextPollAt.getTime() - before).toBeGreaterThanOrEqual(4000);
    expect(order.nextPollAt.getTime() - before).toBeLessThanOrEqual(6000 + 1000);
    expect(order.deadlineAt.getTime() - before).toBeGreaterThanOrEqual(3600000);
    expect(calls.find((c) => c.subject === InventoryJob.awaitCa.subject)?.payload).toEqual({
      job_id: 'job-1',
      ca_order_id: 'order-42',
      next_poll_at: order.nextPollAt.toISOString(),
    });
    expect(calls.map((c) => c.subject)).not.toContain(Rpc.inventory.jobComplete.subject);
  });

  it('ok/a redelivered job whose CA order exists asks the CA nothing again: it parks the job again', async () => {
    const { processor, job, calls, connector, caOrders } = setup({ start: 'running' });
    const nextPollAt = new Date(Date.now() + 5000);
    caOrders.findByJob.mockResolvedValue({ jobId: 'job-1', caOrderId: 'order-7', nextPollAt });
    await expect(processor.process(job(1))).resolves.toEqual({ pending: 'order-7' });
    expect(connector.issue).not.toHaveBeenCalled();
    expect(caOrders.insertOnce).not.toHaveBeenCalled();
    expect(calls.find((c) => c.subject === InventoryJob.awaitCa.subject)?.payload).toEqual({
      job_id: 'job-1',
      ca_order_id: 'order-7',
      next_poll_at: nextPollAt.toISOString(),
    });
  });
});

describe('retryableUnlessDecided: how a failed attempt is retried', () => {
  it('ok/an unexpected failure inside another service (internal over the bus, e.g. a database timeout) is retried', () => {
    const wire = AppError.fromWire({ code: 'internal', detail: 'internal error', retryable: false });
    const out = retryableUnlessDecided(wire);
    expect(out).toMatchObject({ code: 'internal', retryable: true });
  });

  it('ok/an error thrown here that is no AppError is a retryable issuer failure', () => {
    expect(retryableUnlessDecided(new Error('socket hang up'))).toMatchObject({ code: 'issuer_failure', retryable: true });
  });

  it('fail/a decided refusal keeps its flag: a conflict or a terminal issuer failure is not retried', () => {
    expect(retryableUnlessDecided(new AppError('conflict', 'job has failed', { retryable: false })).retryable).toBe(false);
    expect(retryableUnlessDecided(new AppError('issuer_failure', 'refused', { retryable: false })).retryable).toBe(false);
  });
});
