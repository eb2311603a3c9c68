import { InventoryJob } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';
import { JobCancelService } from './job-cancel.service';
import type { JobRepository, JobRow } from './job.repository';

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

function setup(row: JobRow) {
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
      const { svc, repo, rpc } = setup(jobRow({ status }));
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
    const { svc } = setup(jobRow({ requestedBy: 'alice' }));
    await expect(svc.cancel({ id: 'job-1', actor: alice })).resolves.toMatchObject({ status: 'cancelled' });
  });

  it('a deployment job is cancelled without touching its certificate', async () => {
    const { svc, repo } = setup(jobRow({ type: 'deployment', status: 'pending' }));
    await expect(svc.cancel({ id: 'job-1', actor: alice })).resolves.toMatchObject({ status: 'cancelled' });
    expect(repo.setCertificateStatusFrom).not.toHaveBeenCalled();
  });

  it.each(['running', 'completed', 'failed', 'cancelled'] as const)(
    'a %s job is a conflict; nothing is written or emitted',
    async (status) => {
      const { svc, repo, rpc } = setup(jobRow({ status }));
      await expect(svc.cancel({ id: 'job-1', actor: alice })).rejects.toMatchObject({
        code: 'illegal_transition',
        message: expect.stringContaining(`job job-1 is ${status}`),
      });
      expect(repo.recordDecision).not.toHaveBeenCalled();
      expect(rpc.emit).not.toHaveBeenCalled();
    },
  );

  it('a running job says what to do instead', async () => {
    const { svc } = setup(jobRow({ status: 'running' }));
    await expect(svc.cancel({ id: 'job-1', actor: alice })).rejects.toThrow(/running job ends on its own/);
  });
});
