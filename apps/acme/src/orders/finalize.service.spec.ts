import { generateKeyPairSync } from 'node:crypto';
import { AppError, type JobDto } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import { createCsr, generateKeyPair, pemToDer } from '@certctl/pki';
import type { AcmeAccountRow } from '../accounts/accounts.repository';
import type { AcmeConfig } from '../config';
import type { AcmeProfile } from '../profiles/profile-cache';
import type { ProfileSettingsService } from '../profiles/profile-settings.service';
import { FinalizeService } from './finalize.service';
import type { OrderRow, OrdersRepository } from './orders.repository';
import type { OrdersService } from './orders.service';

const account = {
  id: 'acct-1',
  jwk: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
} as unknown as AcmeAccountRow;
const profile = { id: 'prof-1', allowedKeyAlgorithms: [{ algorithm: 'ECDSA', min_size: 256 }] } as AcmeProfile;
const config = { CERTCTL_ACME_FINALIZE_WAIT_MS: 0 } as AcmeConfig;

function order(fields: Partial<OrderRow> = {}): OrderRow {
  return {
    id: 'ord-1',
    accountId: 'acct-1',
    status: 'processing',
    jobId: 'job-1',
    certificateId: 'cert-1',
    identifiers: [{ type: 'dns', value: 'a.example.com' }],
    ...fields,
  } as OrderRow;
}

function setup(current: OrderRow = order(), settings: AcmeConfig = config) {
  const repository = {
    transition: jest.fn(async () => 1),
    findById: jest.fn(async () => ({ ...current, status: 'invalid' }) as OrderRow),
    recordIssuance: jest.fn(),
  };
  const rpc = { request: jest.fn(), onEvent: jest.fn() };
  const orders = { order: jest.fn(async () => current) };
  const profileSettings = {
    landing: jest.fn(async () => ({ issuer_id: 'iss-p', owner_id: 'o-p', team_id: 't-p', renewal_policy_id: 'rp-p' })),
  };
  const service = new FinalizeService(
    repository as unknown as OrdersRepository,
    rpc as unknown as RpcClient,
    orders as unknown as OrdersService,
    profileSettings as unknown as ProfileSettingsService,
    settings,
  );
  return { service, repository, rpc, profileSettings };
}

const job = (status: JobDto['status'], fields: Partial<JobDto> = {}) => ({ id: 'job-1', status, last_error: null, ...fields }) as JobDto;

async function csrPayload(names: string[]) {
  const pem = await createCsr({ keys: await generateKeyPair('ECDSA-P256'), commonName: names[0], sans: names });
  return { csr: Buffer.from(pemToDer(pem)).toString('base64url') };
}

describe('FinalizeService (fake repository and bus)', () => {
  it('ok/a completed job makes the processing order valid with the served chain and serial of the version its job stored', async () => {
    const { service, repository, rpc } = setup();
    rpc.request.mockResolvedValue({ version: { certificate_pem: 'LEAF', chain_pem: '', serial_number: '0a' } });
    const settled = await service.settle(order(), job('completed'));
    expect(settled).toMatchObject({ status: 'valid', certificatePem: 'LEAF\n', serialNumber: '0a' });
    expect(rpc.request).toHaveBeenCalledTimes(1);
    expect(rpc.request).toHaveBeenCalledWith(expect.objectContaining({ subject: 'certctl.v1.inventory.acme.issued' }), { job_id: 'job-1' });
    expect(repository.transition).toHaveBeenCalledWith('ord-1', ['processing'], 'valid', {
      certificatePem: 'LEAF\n',
      serialNumber: '0a',
      csrPem: null,
    });
  });

  it('ok/a completed job whose version inventory does not show yet leaves the order processing', async () => {
    const { service, repository, rpc } = setup();
    rpc.request.mockResolvedValue({ version: null });
    const settled = await service.settle(order(), job('completed'));
    expect(settled).toMatchObject({ status: 'processing' });
    expect(repository.transition).not.toHaveBeenCalled();
  });

  it('ok/a job recorded pending is not read before the wait: its certificate-issued event (heard even before the wait began) makes the order valid', async () => {
    const { service, repository, rpc } = setup(order({ status: 'ready', jobId: null, certificateId: null }), {
      CERTCTL_ACME_FINALIZE_WAIT_MS: 60_000,
    } as AcmeConfig);
    const handlers = new Map<string, (event: { job_id: string }) => void>();
    rpc.onEvent.mockImplementation((event: { subject: string }, handler: (event: { job_id: string }) => void) => {
      handlers.set(event.subject, handler);
      return () => handlers.delete(event.subject);
    });
    service.onApplicationBootstrap();
    repository.recordIssuance.mockResolvedValue(order({ jobId: 'job-9', certificateId: 'cert-9' }));
    rpc.request.mockImplementation(async (contract: { subject: string }) => {
      if (contract.subject.endsWith('acme.issue')) {
        handlers.get('certctl.v1.events.certificate.issued')!({ job_id: 'job-9' }); // signed before inventory's answer arrived
        return { certificate_id: 'cert-9', job_id: 'job-9', job_status: 'pending', renewal: false };
      }
      if (contract.subject.endsWith('acme.issued')) return { version: { certificate_pem: 'LEAF', chain_pem: '', serial_number: '0c' } };
      throw new Error(`unexpected ${contract.subject}`); // no job read
    });
    const settled = await service.finalize(account, 'ord-1', await csrPayload(['a.example.com']), profile);
    expect(settled).toMatchObject({ status: 'valid', certificatePem: 'LEAF\n', serialNumber: '0c' });
    expect(rpc.request.mock.calls.map(([c]) => (c as { subject: string }).subject)).toEqual([
      'certctl.v1.inventory.acme.issue',
      'certctl.v1.inventory.acme.issued',
    ]);
    service.onApplicationShutdown();
  });

  it('fail/a failed job makes the order invalid with the job’s reason as a serverInternal problem', async () => {
    const { service, repository } = setup();
    await service.settle(order(), job('failed', { last_error: 'issuer down' }));
    expect(repository.transition).toHaveBeenCalledWith('ord-1', ['processing'], 'invalid', {
      error: { type: 'urn:ietf:params:acme:error:serverInternal', detail: 'issuance failed: issuer down' },
      csrPem: null,
    });
  });

  it('ok/an order that is not processing is returned as it is', async () => {
    const { service, repository, rpc } = setup();
    const ready = order({ status: 'ready' });
    expect(await service.settle(ready)).toBe(ready);
    expect(rpc.request).not.toHaveBeenCalled();
    expect(repository.transition).not.toHaveBeenCalled();
  });

  it('fail/a pending order cannot be finalized (orderNotReady) and is not claimed', async () => {
    const { service, repository } = setup(order({ status: 'pending' }));
    await expect(service.finalize(account, 'ord-1', {}, profile)).rejects.toMatchObject({ type: 'orderNotReady' });
    expect(repository.transition).not.toHaveBeenCalled();
  });

  it('fail/the order is read while the CSR is parsed, but its problem comes first: a pending order with a bad CSR is orderNotReady', async () => {
    const { service, repository } = setup(order({ status: 'pending' }));
    await expect(service.finalize(account, 'ord-1', { csr: 'not-a-csr' }, profile)).rejects.toMatchObject({ type: 'orderNotReady' });
    expect(repository.transition).not.toHaveBeenCalled();
  });

  it('fail/a ready order with a bad CSR is badCSR and is not claimed; where it would land is not read', async () => {
    const { service, repository, profileSettings } = setup(order({ status: 'ready' }));
    await expect(service.finalize(account, 'ord-1', { csr: 'AAAA' }, profile)).rejects.toMatchObject({ type: 'badCSR' });
    expect(repository.transition).not.toHaveBeenCalled();
    expect(profileSettings.landing).not.toHaveBeenCalled();
  });

  it('fail/where the certificate lands is read alongside the claim; a claim lost to another request answers orderNotReady all the same', async () => {
    const { service, repository, profileSettings } = setup(order({ status: 'ready' }));
    repository.transition.mockResolvedValue(0);
    profileSettings.landing.mockRejectedValue(new Error('not reached'));
    await expect(service.finalize(account, 'ord-1', await csrPayload(['a.example.com']), profile)).rejects.toMatchObject({
      type: 'orderNotReady',
    });
    expect(profileSettings.landing).toHaveBeenCalledWith('prof-1');
  });

  it('fail/an order another request claimed first is orderNotReady', async () => {
    const { service, repository } = setup(order({ status: 'ready' }));
    repository.transition.mockResolvedValue(0);
    await expect(service.finalize(account, 'ord-1', await csrPayload(['a.example.com']), profile)).rejects.toMatchObject({
      type: 'orderNotReady',
    });
    expect(repository.transition).toHaveBeenCalledWith('ord-1', ['ready'], 'processing', {
      csrPem: expect.stringContaining('CERTIFICATE REQUEST'),
    });
  });

  it('fail/inventory refusing the names gives the order back (ready) and answers rejectedIdentifier', async () => {
    const { service, repository, rpc } = setup(order({ status: 'ready' }));
    rpc.request.mockRejectedValue(AppError.validation([{ field: 'sans', message: 'a.example.com is not allowed' }]));
    await expect(service.finalize(account, 'ord-1', await csrPayload(['a.example.com']), profile)).rejects.toMatchObject({
      type: 'rejectedIdentifier',
      message: 'a.example.com is not allowed',
    });
    expect(repository.transition.mock.calls).toEqual([
      ['ord-1', ['ready'], 'processing', { csrPem: expect.stringContaining('CERTIFICATE REQUEST') }],
      ['ord-1', ['processing'], 'ready', { csrPem: null }],
    ]);
    expect(repository.recordIssuance).not.toHaveBeenCalled();
  });

  it("ok/the certificate is recorded with the ACME profile's issuer, owner, team and renewal policy", async () => {
    const { service, rpc, profileSettings } = setup(order({ status: 'ready' }));
    rpc.request.mockRejectedValue(AppError.validation([{ field: 'sans', message: 'stop here' }]));
    await expect(service.finalize(account, 'ord-1', await csrPayload(['a.example.com']), profile)).rejects.toBeDefined();
    expect(profileSettings.landing).toHaveBeenCalledWith('prof-1');
    expect(rpc.request.mock.calls[0]![1]).toMatchObject({
      profile_id: 'prof-1',
      issuer_id: 'iss-p',
      owner_id: 'o-p',
      team_id: 't-p',
      renewal_policy_id: 'rp-p',
    });
  });

  it('fail/inventory unreachable during finalize: the order stays processing with its CSR (inventory may have queued the job)', async () => {
    const { service, repository, rpc } = setup(order({ status: 'ready' }));
    rpc.request.mockRejectedValue(new AppError('service_unavailable', 'the service answering the issue request is unavailable'));
    await expect(service.finalize(account, 'ord-1', await csrPayload(['a.example.com']), profile)).rejects.toMatchObject({
      code: 'service_unavailable',
    });
    expect(repository.transition.mock.calls).toEqual([
      ['ord-1', ['ready'], 'processing', { csrPem: expect.stringContaining('CERTIFICATE REQUEST') }],
    ]);
  });
});

describe('orders left processing are finished by the garbage collection', () => {
  const now = new Date('2026-12-05T18:00:00Z');
  const stale = (fields: Partial<OrderRow>) => order({ profileId: 'prof-1', updatedAt: new Date(now.getTime() - 120_000), ...fields });

  it('ok/interrupted between the claim and the recorded job: inventory is asked again with the stored CSR (same job, by order id), then settled', async () => {
    const pem = await createCsr({ keys: await generateKeyPair('ECDSA-P256'), commonName: 'a.example.com', sans: ['a.example.com'] });
    const interrupted = stale({ jobId: null, certificateId: null, csrPem: pem });
    const { service, repository, rpc } = setup(interrupted);
    Object.assign(repository, { findProcessingSince: jest.fn(async () => [interrupted]) });
    repository.recordIssuance.mockResolvedValue({ ...interrupted, jobId: 'job-9', certificateId: 'cert-9' });
    rpc.request.mockImplementation(async (contract: { subject: string }) => {
      if (contract.subject.endsWith('acme.issue')) return { certificate_id: 'cert-9', job_id: 'job-9' };
      if (contract.subject.endsWith('job.get')) return job('completed', { id: 'job-9' });
      if (contract.subject.endsWith('acme.issued')) return { version: { certificate_pem: 'LEAF', chain_pem: '', serial_number: '0b' } };
      throw new Error(`unexpected ${contract.subject}`);
    });
    expect(await service.resumeInterrupted(now)).toBe(1);
    expect((repository as unknown as { findProcessingSince: jest.Mock }).findProcessingSince).toHaveBeenCalledWith(
      new Date(now.getTime() - 60_000),
      200,
    );
    const issue = rpc.request.mock.calls.find(([c]) => (c as { subject: string }).subject.endsWith('acme.issue'))!;
    expect(issue[1]).toMatchObject({
      order_id: 'ord-1',
      account_id: 'acct-1',
      profile_id: 'prof-1',
      csr_pem: pem,
      common_name: 'a.example.com',
      sans: ['a.example.com'],
    });
    expect(repository.recordIssuance).toHaveBeenCalledWith('ord-1', { certificateId: 'cert-9', jobId: 'job-9' });
    expect(repository.transition).toHaveBeenCalledWith('ord-1', ['processing'], 'valid', {
      certificatePem: 'LEAF\n',
      serialNumber: '0b',
      csrPem: null,
    });
  });

  it('ok/a job that ended while no client polled: the order is settled from the job', async () => {
    const waiting = stale({ jobId: 'job-1', certificateId: 'cert-1' });
    const { service, repository, rpc } = setup(waiting);
    Object.assign(repository, { findProcessingSince: jest.fn(async () => [waiting]) });
    rpc.request.mockImplementation(async (contract: { subject: string }) =>
      contract.subject.endsWith('job.get') ? job('failed', { last_error: 'CA refused' }) : undefined,
    );
    expect(await service.resumeInterrupted(now)).toBe(1);
    expect(repository.recordIssuance).not.toHaveBeenCalled();
    expect(repository.transition).toHaveBeenCalledWith('ord-1', ['processing'], 'invalid', {
      error: { type: 'urn:ietf:params:acme:error:serverInternal', detail: 'issuance failed: CA refused' },
      csrPem: null,
    });
  });

  it('fail/no CSR kept (claimed before CSRs were stored): the order becomes invalid, telling the client to order again', async () => {
    const legacy = stale({ jobId: null, certificateId: null, csrPem: null });
    const { service, repository, rpc } = setup(legacy);
    Object.assign(repository, { findProcessingSince: jest.fn(async () => [legacy]) });
    expect(await service.resumeInterrupted(now)).toBe(1);
    expect(rpc.request).not.toHaveBeenCalled();
    expect(repository.transition).toHaveBeenCalledWith('ord-1', ['processing'], 'invalid', {
      error: { type: 'urn:ietf:params:acme:error:serverInternal', detail: 'the finalization was interrupted; create a new order' },
    });
  });

  it('fail/inventory still unreachable: the order waits for the next collection, the others go on', async () => {
    const pem = await createCsr({ keys: await generateKeyPair('ECDSA-P256'), commonName: 'a.example.com', sans: ['a.example.com'] });
    const a = stale({ id: 'ord-a', jobId: null, certificateId: null, csrPem: pem });
    const b = stale({ id: 'ord-b', jobId: 'job-1', certificateId: 'cert-1' });
    const { service, repository, rpc } = setup(a);
    Object.assign(repository, { findProcessingSince: jest.fn(async () => [a, b]) });
    rpc.request.mockImplementation(async (contract: { subject: string }) => {
      if (contract.subject.endsWith('acme.issue')) throw new AppError('service_unavailable', 'inventory is unavailable');
      return job('running');
    });
    expect(await service.resumeInterrupted(now)).toBe(0);
    expect(repository.transition).not.toHaveBeenCalled(); // a stays processing with its CSR; b's job is still running
  });
});
