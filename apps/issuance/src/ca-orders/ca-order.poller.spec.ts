import { AppError, Rpc } from '@certctl/contracts';
import { createCsr, createRootCa, generateKeyPair, signLeaf } from '@certctl/pki';
import { ConnectorError } from '../connectors/connector';
import { CaOrderPoller } from './ca-order.poller';
import type { CaOrderRow } from './ca-order.repository';

/** A leaf a CA finished, for a.example.com. */
async function leaf() {
  const root = await createRootCa({ commonName: 'Async Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
  const keys = await generateKeyPair('ECDSA-P256');
  const signed = await signLeaf({
    issuer: root,
    subjectPublicKey: keys.publicKey,
    commonName: 'a.example.com',
    sans: ['a.example.com'],
    validityDays: 10,
  });
  return { certificatePem: signed.certificatePem, chainPem: root.certificatePem, serialNumber: signed.serialNumber };
}

/** A poller over fakes: inventory answers jobGet with `status`, the connector's poll answers `answer`. */
async function setup(o: { status: string | null; answer?: () => Promise<unknown>; deadlineInMs?: number; polls?: number }) {
  const keys = await generateKeyPair('ECDSA-P256');
  const csrPem = await createCsr({ keys, commonName: 'a.example.com', sans: ['a.example.com'] });
  const created = new Date(Date.now() - 3600000);
  const order: CaOrderRow = {
    jobId: 'job-1',
    issuerId: 'iss-async',
    caOrderId: 'ord-1',
    csrPem,
    encryptedPrivateKey: Buffer.from('sealed-key'),
    keyVersion: 2,
    polls: o.polls ?? 0,
    nextPollAt: new Date(),
    deadlineAt: new Date(Date.now() + (o.deadlineInMs ?? 3600000)),
    lastDetail: null,
    createdAt: created,
    updatedAt: created,
  };
  const calls: { subject: string; payload: unknown }[] = [];
  const rpc = {
    request: jest.fn(async (contract: { subject: string }, payload: unknown) => {
      calls.push({ subject: contract.subject, payload });
      if (contract === Rpc.inventory.jobGet) {
        if (o.status === null) throw AppError.notFound('job', 'job-1');
        return { id: 'job-1', status: o.status };
      }
      if (contract === Rpc.inventory.jobComplete) return { job_id: 'job-1' };
      if (contract === Rpc.inventory.jobFail) return { job_id: 'job-1', status: 'failed', attempts: 1 };
      throw new Error(`unexpected ${contract.subject}`);
    }),
  };
  const orders = { reschedule: jest.fn(async () => undefined), remove: jest.fn(async () => undefined) };
  const issued = { insertOnce: jest.fn(async (row: Record<string, unknown>) => ({ row: { ...row }, inserted: true })) };
  const poll = jest.fn(o.answer ?? (async () => ({ pending: true, orderId: 'ord-1' })));
  const connector = { type: 'script', poll };
  const connectors = { resolve: jest.fn(async () => ({ connector, enabled: true, issuer: { id: 'iss-async', config: {} } })) };
  const poller = new CaOrderPoller(orders as never, issued as never, connectors as never, rpc as never, {
    CERTCTL_CA_ORDER_POLL_TICK_MS: 1000,
    CERTCTL_CA_ORDER_MAX_WAIT_MS: 3600000,
  });
  return { poller, order, calls, orders, issued, poll };
}

const subjects = (calls: { subject: string }[]) => calls.map((c) => c.subject);

describe('CaOrderPoller', () => {
  afterEach(() => jest.restoreAllMocks());

  it('ok/a still pending order is asked again later with backoff, its detail kept; nothing is written', async () => {
    const { poller, order, orders, issued, poll, calls } = await setup({
      status: 'awaiting_ca',
      polls: 1,
      answer: async () => ({ pending: true, orderId: 'ord-1', detail: 'validating' }),
    });
    const before = Date.now();
    await expect(poller.pollOne(order)).resolves.toBe('pending');
    expect((poll.mock.calls[0] as unknown[])[1]).toMatchObject({
      jobId: 'job-1',
      orderId: 'ord-1',
      commonName: 'a.example.com',
      sans: ['a.example.com'],
    });
    const [jobId, next, detail] = orders.reschedule.mock.calls[0] as unknown as [string, Date, string];
    expect([jobId, detail]).toEqual(['job-1', 'validating']);
    // the second poll done: the third comes 45 s ± 20 % later
    expect(next.getTime() - before).toBeGreaterThanOrEqual(36000);
    expect(next.getTime() - before).toBeLessThanOrEqual(54000 + 1000);
    expect(issued.insertOnce).not.toHaveBeenCalled();
    expect(subjects(calls)).toEqual([Rpc.inventory.jobGet.subject]);
  });

  it('ok/a finished order stores the leaf with the sealed server key, completes the job and ends the order', async () => {
    const done = await leaf();
    const { poller, order, orders, issued, calls } = await setup({ status: 'awaiting_ca', answer: async () => done });
    await expect(poller.pollOne(order)).resolves.toBe('issued');
    expect(issued.insertOnce).toHaveBeenCalledWith({
      jobId: 'job-1',
      issuerId: 'iss-async',
      serialNumber: done.serialNumber,
      certificatePem: done.certificatePem,
      chainPem: done.chainPem,
      encryptedPrivateKey: Buffer.from('sealed-key'),
      keyVersion: 2,
    });
    expect(subjects(calls)).toEqual([Rpc.inventory.jobGet.subject, Rpc.inventory.jobComplete.subject]);
    expect(calls[1]!.payload).toMatchObject({
      job_id: 'job-1',
      version: { serial_number: done.serialNumber, key_source: 'server', issuer_id: 'iss-async', certificate_pem: done.certificatePem },
    });
    expect(orders.remove).toHaveBeenCalledWith('job-1');
  });

  it('fail/a cancelled job stops the polling: the CA is not asked and no certificate is written', async () => {
    const { poller, order, orders, issued, poll, calls } = await setup({ status: 'cancelled', answer: leaf });
    await expect(poller.pollOne(order)).resolves.toBe('stopped');
    expect(poll).not.toHaveBeenCalled();
    expect(issued.insertOnce).not.toHaveBeenCalled();
    expect(orders.remove).toHaveBeenCalledWith('job-1');
    expect(subjects(calls)).toEqual([Rpc.inventory.jobGet.subject]);
  });

  it('fail/a job deleted with its certificate stops the polling too', async () => {
    const { poller, order, orders, poll } = await setup({ status: null });
    await expect(poller.pollOne(order)).resolves.toBe('stopped');
    expect(poll).not.toHaveBeenCalled();
    expect(orders.remove).toHaveBeenCalledWith('job-1');
  });

  it('fail/past its deadline a pending order fails its job with a clear error', async () => {
    const { poller, order, orders, calls } = await setup({ status: 'awaiting_ca', deadlineInMs: -1, polls: 11 });
    await expect(poller.pollOne(order)).resolves.toBe('failed');
    expect(calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload).toEqual({
      job_id: 'job-1',
      error: expect.stringMatching(/^issuer_failure: the CA did not finish order ord-1 within 1 h \(12 polls\)$/),
      terminal: true,
    });
    expect(orders.remove).toHaveBeenCalledWith('job-1');
    expect(orders.reschedule).not.toHaveBeenCalled();
  });

  it('fail/a CA that refuses the order fails the job at once; a retryable error is asked again', async () => {
    const refused = await setup({ status: 'awaiting_ca', answer: async () => Promise.reject(ConnectorError.terminal('order rejected')) });
    await expect(refused.poller.pollOne(refused.order)).resolves.toBe('failed');
    expect(refused.calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload).toMatchObject({
      error: 'issuer_failure: order rejected',
      terminal: true,
    });
    const busy = await setup({ status: 'awaiting_ca', answer: async () => Promise.reject(ConnectorError.retryable('503 busy')) });
    await expect(busy.poller.pollOne(busy.order)).resolves.toBe('pending');
    expect(busy.orders.reschedule).toHaveBeenCalledWith('job-1', expect.any(Date), 'issuer_failure: 503 busy');
  });

  it('ok/a job not parked yet (its worker is between the order and awaiting_ca) is looked at again, not dropped', async () => {
    const { poller, order, orders, poll } = await setup({ status: 'running' });
    await expect(poller.pollOne(order)).resolves.toBe('pending');
    expect(poll).not.toHaveBeenCalled();
    expect(orders.remove).not.toHaveBeenCalled();
  });
});
