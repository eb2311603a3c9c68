import { Events, InventoryJob } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';
import { JobApprovalService } from './job-approval.service';
import { JobCancelService } from './job-cancel.service';
import type { JobRepository, JobRow } from './job.repository';
import type { JobService } from './job.service';

const tx = {} as Prisma.TransactionClient;
const now = new Date('2026-01-01T00:00:00.000Z');

function jobRow(over: Partial<JobRow> = {}): JobRow {
  return {
    id: 'job-1',
    type: 'issuance',
    status: 'awaiting_approval',
    certificateId: 'cert-1',
    attempts: 0,
    maxAttempts: 3,
    lastError: null,
    requestedBy: 'alice',
    requestedByKeyId: 'key-alice',
    requestedByOwner: null,
    decidedBy: null,
    decisionReason: null,
    traceparent: null,
    scheduledAt: now,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
    ...over,
  } as JobRow;
}

function setup(row: JobRow, keyGeneration = 'server') {
  const repo = {
    transaction: jest.fn((fn: (t: Prisma.TransactionClient) => Promise<unknown>) => fn(tx)),
    lockRow: jest.fn(async () => row),
    keyGenerationOf: jest.fn(async () => ({ keyGeneration })),
    recordDecision: jest.fn(async (id: string, decision: { status: JobRow['status']; decidedBy: string }) =>
      jobRow({ id, status: decision.status, decidedBy: decision.decidedBy }),
    ),
    setCertificateStatusFrom: jest.fn(async () => undefined),
  };
  const jobs = { enqueueIssuance: jest.fn(async () => undefined) };
  const rpc = { emit: jest.fn(async () => undefined) };
  const svc = new JobApprovalService(repo as unknown as JobRepository, jobs as unknown as JobService, rpc as never);
  return { svc, repo, jobs, rpc };
}

const bob = { principal: 'bob', role: 'admin', key_id: 'key-bob' };

describe('JobApprovalService (fake repository)', () => {
  it('an approval by another person moves the job to pending, queues it and emits job.approved', async () => {
    const { svc, repo, jobs, rpc } = setup(jobRow());
    await expect(svc.approve({ id: 'job-1', actor: bob })).resolves.toMatchObject({ status: 'pending', decided_by: 'bob' });
    expect(repo.recordDecision).toHaveBeenCalledWith('job-1', { status: 'pending', decidedBy: 'bob', reason: null }, tx);
    expect(jobs.enqueueIssuance).toHaveBeenCalledWith('job-1', 'cert-1', undefined);
    expect(rpc.emit).toHaveBeenCalledWith(Events.jobApproved, { job_id: 'job-1', certificate_id: 'cert-1', actor: 'bob' });
  });

  it('an approved job whose agent generates the key waits for the CSR and is not queued', async () => {
    const { svc, jobs } = setup(jobRow(), 'agent');
    await expect(svc.approve({ id: 'job-1', actor: bob })).resolves.toMatchObject({ status: 'awaiting_csr' });
    expect(jobs.enqueueIssuance).not.toHaveBeenCalled();
  });

  it('a rejection cancels the job, fails the certificate where the table allows and emits job.rejected with the reason', async () => {
    const { svc, repo, rpc } = setup(jobRow());
    await expect(svc.reject({ id: 'job-1', actor: bob, reason: 'no' })).resolves.toMatchObject({ status: 'cancelled' });
    expect(repo.setCertificateStatusFrom).toHaveBeenCalledWith(
      'cert-1',
      expect.arrayContaining(['pending', 'renewal_in_progress']),
      'failed',
      tx,
    );
    expect(rpc.emit).toHaveBeenCalledWith(Events.jobRejected, expect.objectContaining({ reason: 'no' }));
  });

  it('the requester cannot decide their own job (forbidden), nothing is written', async () => {
    const { svc, repo, rpc } = setup(jobRow());
    await expect(svc.approve({ id: 'job-1', actor: { principal: 'alice', role: 'admin' } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(repo.recordDecision).not.toHaveBeenCalled();
    expect(rpc.emit).not.toHaveBeenCalled();
  });

  it('a job not awaiting approval is an illegal transition', async () => {
    const { svc, repo } = setup(jobRow({ status: 'pending' }));
    await expect(svc.reject({ id: 'job-1', actor: bob })).rejects.toMatchObject({ code: 'illegal_transition' });
    expect(repo.recordDecision).not.toHaveBeenCalled();
  });
});

function setupCancel(row: JobRow) {
  const repo = {
    transaction: jest.fn((fn: (t: Prisma.TransactionClient) => Promise<unknown>) => fn(tx)),
    lockRow: jest.fn(async () => row),
    recordDecision: jest.fn(async (id: string, decision: { status: JobRow['status']; decidedBy: string; reason: string | null }) =>
      jobRow({ ...row, id, status: decision.status, decidedBy: decision.decidedBy, decisionReason: decision.reason }),
    ),
    setCertificateStatusFrom: jest.fn(async () => undefined),
  };
  const rpc = { emit: jest.fn(async () => undefined) };
  const svc = new JobCancelService(repo as unknown as JobRepository, rpc as never);
  return { svc, repo, rpc };
}

const alice = { principal: 'alice', role: 'operator', key_id: 'key-alice' };

describe('JobCancelService (fake repository)', () => {
  it.each(['pending', 'awaiting_approval', 'awaiting_csr'] as const)(
    'a %s issuance job is cancelled, its certificate failed like after a rejection, job.cancelled emitted',
    async (status) => {
      const { svc, repo, rpc } = setupCancel(jobRow({ status }));
      await expect(svc.cancel({ id: 'job-1', actor: alice, reason: 'wrong name' })).resolves.toMatchObject({
        status: 'cancelled',
        decided_by: 'alice',
      });
      expect(repo.recordDecision).toHaveBeenCalledWith('job-1', { status: 'cancelled', decidedBy: 'alice', reason: 'wrong name' }, tx);
      expect(repo.setCertificateStatusFrom).toHaveBeenCalledWith(
        'cert-1',
        expect.arrayContaining(['pending', 'renewal_in_progress']),
        'failed',
        tx,
      );
      expect(rpc.emit).toHaveBeenCalledWith(InventoryJob.cancelled, {
        job_id: 'job-1',
        certificate_id: 'cert-1',
        actor: 'alice',
        reason: 'wrong name',
      });
    },
  );

  it('the requester may withdraw their own request (no two-person rule on cancelling)', async () => {
    const { svc } = setupCancel(jobRow({ requestedBy: 'alice' }));
    await expect(svc.cancel({ id: 'job-1', actor: alice })).resolves.toMatchObject({ status: 'cancelled' });
  });

  it('a deployment job is cancelled without touching its certificate', async () => {
    const { svc, repo } = setupCancel(jobRow({ type: 'deployment', status: 'pending' }));
    await expect(svc.cancel({ id: 'job-1', actor: alice })).resolves.toMatchObject({ status: 'cancelled' });
    expect(repo.setCertificateStatusFrom).not.toHaveBeenCalled();
  });

  it.each(['running', 'completed', 'failed', 'cancelled'] as const)(
    'a %s job is a conflict; nothing is written or emitted',
    async (status) => {
      const { svc, repo, rpc } = setupCancel(jobRow({ status }));
      await expect(svc.cancel({ id: 'job-1', actor: alice })).rejects.toMatchObject({
        code: 'illegal_transition',
        message: expect.stringContaining(`job job-1 is ${status}`),
      });
      expect(repo.recordDecision).not.toHaveBeenCalled();
      expect(rpc.emit).not.toHaveBeenCalled();
    },
  );

  it('a running job says what to do instead', async () => {
    const { svc } = setupCancel(jobRow({ status: 'running' }));
    await expect(svc.cancel({ id: 'job-1', actor: alice })).rejects.toThrow(/running job ends on its own/);
  });
});
