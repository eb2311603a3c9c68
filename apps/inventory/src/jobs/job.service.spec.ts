import { AuditEvents, Events, LifecycleEvents } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';
import type { InventoryConfig } from '../config';
import type { CompletionRow, JobRepository, StoredVersionRow } from './job.repository';
import { JobService } from './job.service';

const tx = {} as Prisma.TransactionClient;
const version = {
  issuer_id: 'iss1',
  serial_number: '0A',
  fingerprint_sha256: 'ff',
  certificate_pem: 'PEM',
  chain_pem: 'CHAIN',
  not_before: '2026-01-01T00:00:00.000Z',
  not_after: '2026-04-01T00:00:00.000Z',
  key_algorithm: 'ECDSA',
  key_size: 256,
  key_source: 'server',
  renewal_window: null,
} as never;

function storedVersion(): StoredVersionRow {
  return { id: 'ver-1', serialNumber: '0A', notAfter: new Date('2026-04-01T00:00:00.000Z') };
}

/** A job repository over one job, recording the writes. */
function fakeRepo(job: Partial<CompletionRow> | null, targets = [{ id: 'tgt-1', agentId: 'agent-1' }]) {
  const row: CompletionRow | null = job
    ? {
        id: 'job-1',
        status: 'running',
        type: 'issuance',
        certificateId: 'cert-1',
        certificateStatus: 'pending',
        versionId: null,
        requestedBy: 'key:admin',
        targets,
        ...job,
      }
    : null;
  return {
    transaction: jest.fn((fn: (t: Prisma.TransactionClient) => Promise<unknown>) => fn(tx)),
    lockForCompletion: jest.fn(async () => row),
    insertVersionAndComplete: jest.fn(async () => storedVersion()),
    insertDeploymentJobs: jest.fn(async () => undefined),
    lockWithCertificate: jest.fn(),
    recordFailure: jest.fn(async () => undefined),
    setCertificateStatus: jest.fn(async () => undefined),
  };
}

function service(repo: ReturnType<typeof fakeRepo>) {
  const outbox = { enqueue: jest.fn(async (_tx: unknown, _event: unknown, _payload: unknown) => 'evt-1'), wake: jest.fn() };
  const svc = new JobService(repo as unknown as JobRepository, {} as never, outbox as never, {} as InventoryConfig);
  return { svc, outbox };
}

describe('JobService.complete (fake repository)', () => {
  it('stores the version, activates the certificate, queues one deployment per bound target and writes the issued event in the same transaction', async () => {
    const repo = fakeRepo({});
    const { svc, outbox } = service(repo);
    await expect(svc.complete({ job_id: 'job-1', version })).resolves.toEqual({
      job_id: 'job-1',
      version_id: 'ver-1',
      certificate_id: 'cert-1',
    });
    expect(repo.insertVersionAndComplete).toHaveBeenCalledWith('job-1', 'cert-1', version, tx);
    expect(repo.insertDeploymentJobs).toHaveBeenCalledWith('cert-1', 'ver-1', [{ id: 'tgt-1', agentId: 'agent-1' }], tx);
    expect(outbox.enqueue).toHaveBeenCalledTimes(1); // in the version's transaction
    expect(outbox.wake).toHaveBeenCalledTimes(1); // after the commit
    expect(outbox.wake).toHaveBeenCalledWith(tx); // with the committed transaction: its events go out at once
    expect(outbox.enqueue.mock.invocationCallOrder[0]!).toBeLessThan(outbox.wake.mock.invocationCallOrder[0]!);
    expect(outbox.enqueue).toHaveBeenCalledWith(
      tx,
      Events.certificateIssued,
      expect.objectContaining({ certificate_id: 'cert-1', job_id: 'job-1' }),
    );
  });

  it('a renewal also emits certificate.renewed', async () => {
    const { svc, outbox } = service(fakeRepo({ type: 'renewal', certificateStatus: 'renewal_in_progress' }));
    await svc.complete({ job_id: 'job-1', version });
    expect(outbox.enqueue).toHaveBeenCalledWith(tx, LifecycleEvents.certificateRenewed, expect.objectContaining({ serial_number: '0A' }));
  });

  it('an automatic renewal (requested by the scheduler) publishes its completion for the audit trail with the actor scheduler', async () => {
    const { svc, outbox } = service(fakeRepo({ type: 'renewal', certificateStatus: 'renewal_in_progress', requestedBy: 'scheduler' }));
    await svc.complete({ job_id: 'job-1', version });
    const audits = (outbox.enqueue.mock.calls as unknown as [unknown, unknown, unknown][]).filter(
      ([, event]) => event === AuditEvents.recorded,
    );
    expect(audits).toHaveLength(1);
    expect(AuditEvents.recorded.payload.parse(audits[0]![2])).toMatchObject({
      actor: { principal: 'scheduler', kind: 'scheduler' },
      action: 'certificate.renewal.complete',
      resource_type: 'certificate',
      resource_id: 'cert-1',
      details: { job_id: 'job-1', version_id: 'ver-1', serial_number: '0A', not_after: '2026-04-01T00:00:00.000Z' },
    });
  });

  it('a renewal an API key asked for publishes no audit event (its REST call was audited)', async () => {
    const { svc, outbox } = service(fakeRepo({ type: 'renewal', certificateStatus: 'renewal_in_progress' }));
    await svc.complete({ job_id: 'job-1', version });
    expect(outbox.enqueue).not.toHaveBeenCalledWith(tx, AuditEvents.recorded, expect.anything());
  });

  it('a repeated completion answers the stored version and writes and emits nothing', async () => {
    const repo = fakeRepo({ status: 'completed', versionId: 'ver-0' });
    const { svc, outbox } = service(repo);
    await expect(svc.complete({ job_id: 'job-1', version })).resolves.toEqual({
      job_id: 'job-1',
      version_id: 'ver-0',
      certificate_id: 'cert-1',
    });
    expect(repo.insertVersionAndComplete).not.toHaveBeenCalled();
    expect(outbox.enqueue).not.toHaveBeenCalled();
    expect(outbox.wake).not.toHaveBeenCalled();
  });

  it('refuses a cancelled job (illegal transition) and an unknown one (not found) before writing', async () => {
    const cancelled = fakeRepo({ status: 'cancelled' });
    await expect(service(cancelled).svc.complete({ job_id: 'job-1', version })).rejects.toMatchObject({ code: 'illegal_transition' });
    expect(cancelled.insertVersionAndComplete).not.toHaveBeenCalled();
    await expect(service(fakeRepo(null)).svc.complete({ job_id: 'job-9', version })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses to activate an archived certificate', async () => {
    const repo = fakeRepo({ certificateStatus: 'archived' });
    await expect(service(repo).svc.complete({ job_id: 'job-1', version })).rejects.toMatchObject({ code: 'illegal_transition' });
    expect(repo.insertVersionAndComplete).not.toHaveBeenCalled();
  });
});

describe('JobService.fail (fake repository)', () => {
  const failing = (attempts: number) => ({
    id: 'job-1',
    status: 'running',
    attempts,
    maxAttempts: 3,
    certificateId: 'cert-1',
    certificate: { status: 'pending' },
  });

  it('with attempts left goes back to pending at the next attempt time, the certificate untouched, no event', async () => {
    const repo = fakeRepo({});
    repo.lockWithCertificate.mockResolvedValue(failing(1));
    const { svc, outbox } = service(repo);
    const retryAt = '2026-03-01T12:00:04.000Z';
    await expect(svc.fail({ job_id: 'job-1', error: 'boom', terminal: false, retry_at: retryAt })).resolves.toEqual({
      job_id: 'job-1',
      status: 'pending',
      attempts: 1,
    });
    expect(repo.recordFailure).toHaveBeenCalledWith('job-1', 'pending', 'boom', false, tx, new Date(retryAt));
    expect(repo.setCertificateStatus).not.toHaveBeenCalled();
    expect(outbox.enqueue).not.toHaveBeenCalled();
  });

  it('out of attempts fails the job and the certificate and writes job.failed to the outbox in the same transaction', async () => {
    const repo = fakeRepo({});
    repo.lockWithCertificate.mockResolvedValue(failing(3));
    const { svc, outbox } = service(repo);
    await expect(svc.fail({ job_id: 'job-1', error: 'boom', terminal: false })).resolves.toMatchObject({ status: 'failed' });
    expect(repo.setCertificateStatus).toHaveBeenCalledWith('cert-1', 'failed', tx);
    expect(outbox.enqueue).toHaveBeenCalledWith(tx, Events.jobFailed, { job_id: 'job-1', certificate_id: 'cert-1', error: 'boom' });
    expect(outbox.wake).toHaveBeenCalledTimes(1);
  });
});

describe('JobService.start (fake repository)', () => {
  function started(profile: Record<string, unknown> | null, type = 'issuance') {
    const job = {
      id: 'job-1',
      status: 'running',
      attempts: 1,
      maxAttempts: 3,
      type,
      lastError: null,
      csrPem: null,
      certificate: {
        id: 'cert-1',
        commonName: 'a.example.com',
        sans: [],
        issuerId: 'iss1',
        profileId: profile ? 'prof-1' : null,
        profile,
      },
      currentVersion: { certificatePem: 'OLD PEM', issuerId: 'iss-old' },
    };
    const repo = { startAndRead: jest.fn(async () => job) };
    const svc = new JobService(repo as never, {} as never, {} as never, { CERTCTL_DEFAULT_VALIDITY_DAYS: 90 } as InventoryConfig);
    return svc.start('job-1');
  }
  const profile = { maxValidityDays: 397, maxValiditySeconds: null, ekus: ['serverAuth'], allowedKeyAlgorithms: [] };

  it("passes the profile's max_validity_seconds, when set, beside its days to issuance", async () => {
    expect((await started({ ...profile, maxValiditySeconds: 600 })).certificate).toMatchObject({
      validity_days: 397,
      validity_seconds: 600,
    });
  });

  it('passes no seconds for a profile in days or without a profile', async () => {
    expect((await started(profile)).certificate).toMatchObject({ validity_days: 397, validity_seconds: null });
    expect((await started(null)).certificate).toMatchObject({ validity_days: 90, validity_seconds: null });
  });

  it("names a renewal's predecessor and its issuer (the ACME connector sends it as replaces); an issuance has none", async () => {
    expect((await started(profile, 'renewal')).certificate.replaces).toEqual({ certificate_pem: 'OLD PEM', issuer_id: 'iss-old' });
    expect((await started(profile, 'issuance')).certificate.replaces).toBeNull();
  });
});

describe('JobService.awaitCa (fake repository)', () => {
  function awaitRepo(status: string) {
    const row = { id: 'job-1', status, result: { note: 'kept' } };
    return {
      transaction: jest.fn((fn: (t: Prisma.TransactionClient) => Promise<unknown>) => fn(tx)),
      lockRow: jest.fn(async () => row),
      markAwaitingCa: jest.fn(async () => undefined),
    };
  }
  const request = { job_id: 'job-1', ca_order_id: 'ord-1', next_poll_at: '2026-03-01T12:00:05.000Z' };

  it('ok/a running job waits in awaiting_ca with the order id and its next poll time', async () => {
    const repo = awaitRepo('running');
    const svc = new JobService(repo as unknown as JobRepository, {} as never, {} as never, {} as InventoryConfig);
    await expect(svc.awaitCa(request)).resolves.toEqual({ job_id: 'job-1', status: 'awaiting_ca' });
    expect(repo.markAwaitingCa).toHaveBeenCalledWith(
      { id: 'job-1', status: 'running', result: { note: 'kept' } },
      'ord-1',
      new Date('2026-03-01T12:00:05.000Z'),
      tx,
    );
  });

  it('ok/repeating it (a redelivered worker) changes nothing', async () => {
    const repo = awaitRepo('awaiting_ca');
    const svc = new JobService(repo as unknown as JobRepository, {} as never, {} as never, {} as InventoryConfig);
    await expect(svc.awaitCa(request)).resolves.toEqual({ job_id: 'job-1', status: 'awaiting_ca' });
    expect(repo.markAwaitingCa).not.toHaveBeenCalled();
  });

  it('fail/a cancelled job cannot start waiting for a CA (illegal transition), nothing written', async () => {
    const repo = awaitRepo('cancelled');
    const svc = new JobService(repo as unknown as JobRepository, {} as never, {} as never, {} as InventoryConfig);
    await expect(svc.awaitCa(request)).rejects.toMatchObject({ code: 'illegal_transition' });
    expect(repo.markAwaitingCa).not.toHaveBeenCalled();
  });
});

describe('JobService.reconcile (fake repository and queue)', () => {
  const stale = [
    { id: 'job-p', status: 'pending', certificateId: 'cert-p', traceparent: 'tp' },
    { id: 'job-r', status: 'running', certificateId: 'cert-r', traceparent: null },
  ];

  it('fail/a pending job whose queue entry is lost or dead is queued again; a running one only when its entry is dead', async () => {
    const repo = { findStaleIssuance: jest.fn(async () => stale) };
    const queues = { ensureQueued: jest.fn(async (_q: string, id: string) => (id === 'job-p' ? 'revived' : 'queued')) };
    const svc = new JobService(repo as unknown as JobRepository, queues as never, {} as never, {} as InventoryConfig);
    await expect(svc.reconcile()).resolves.toBe(1);
    const [cutoff, take] = repo.findStaleIssuance.mock.calls[0] as unknown as [Date, number];
    expect(Date.now() - cutoff.getTime()).toBeGreaterThanOrEqual(15000);
    expect(take).toBe(1000);
    expect(queues.ensureQueued.mock.calls).toEqual([
      ['certctl-issuance', 'job-p', { job_id: 'job-p', certificate_id: 'cert-p', traceparent: 'tp' }, { onlyDead: false }],
      ['certctl-issuance', 'job-r', { job_id: 'job-r', certificate_id: 'cert-r', traceparent: undefined }, { onlyDead: true }],
    ]);
  });

  it('fail/a queue that cannot be reached ends the round without throwing (the next round tries again)', async () => {
    const repo = { findStaleIssuance: jest.fn(async () => stale) };
    const queues = { ensureQueued: jest.fn(async () => Promise.reject(new Error('redis down'))) };
    const svc = new JobService(repo as unknown as JobRepository, queues as never, {} as never, {} as InventoryConfig);
    await expect(svc.reconcile()).resolves.toBe(0);
  });
});
