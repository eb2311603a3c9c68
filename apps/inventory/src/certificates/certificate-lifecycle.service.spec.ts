import type { Prisma } from '@certctl/database';
import type { CertificateLifecycleRepository, RenewalCandidate } from './certificate-lifecycle.repository';
import { CertificateLifecycleService, planRenewals } from './certificate-lifecycle.service';
import { CertificateRevocationService } from './certificate-revocation.service';
import type { CertificateRepository } from './certificate.repository';

const tx = {} as Prisma.TransactionClient;
const candidate = (over: Partial<RenewalCandidate>): RenewalCandidate => ({
  id: 'c1',
  status: 'active',
  agentId: null,
  profile: null,
  maxRetries: 3,
  busy: false,
  ...over,
});

describe('planRenewals', () => {
  it('skips missing, revoked/archived and busy certificates with their reason, and starts each job where its profile says', () => {
    const plan = planRenewals(
      ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'],
      [
        candidate({ id: 'c1' }),
        candidate({ id: 'c2', status: 'revoked' }),
        candidate({ id: 'c3', busy: true }),
        candidate({ id: 'c5', profile: { requiresApproval: true, keyGeneration: 'server' } }),
        candidate({ id: 'c6', agentId: 'agent-1', profile: { requiresApproval: false, keyGeneration: 'agent' } }),
      ],
    );
    expect(plan.skipped).toEqual([
      { certificate_id: 'c2', reason: 'status is revoked' },
      { certificate_id: 'c3', reason: 'an issuance or renewal job is already open' },
      { certificate_id: 'c4', reason: 'not found' },
    ]);
    expect(plan.jobs.map((job) => [job.certificate_id, job.status])).toEqual([
      ['c1', 'pending'],
      ['c5', 'awaiting_approval'],
      ['c6', 'awaiting_csr'],
    ]);
    expect(plan.rows.find((row) => row.certificateId === 'c6')).toMatchObject({ agentId: 'agent-1', maxAttempts: 3 });
  });
});

describe('CertificateLifecycleService (fake repositories)', () => {
  function setup(status: string) {
    const repo = {
      transaction: jest.fn((fn: (t: Prisma.TransactionClient) => Promise<unknown>) => fn(tx)),
      lockStatus: jest.fn(async () => status),
      markArchived: jest.fn(async () => undefined),
      cancelWaitingJobs: jest.fn(async () => undefined),
    };
    const rpc = { emit: jest.fn(async () => undefined) };
    const svc = new CertificateLifecycleService(
      repo as unknown as CertificateLifecycleRepository,
      {} as CertificateRepository,
      {} as never,
      {} as never,
      {} as never,
      rpc as never,
    );
    return { svc, repo, rpc };
  }

  it('archiving cancels the waiting jobs with who archived it', async () => {
    const { svc, repo } = setup('active');
    await expect(svc.archive({ actor: { principal: 'alice' }, id: 'c1' })).resolves.toEqual({ id: 'c1', status: 'archived' });
    expect(repo.markArchived).toHaveBeenCalledWith('c1', tx);
    expect(repo.cancelWaitingJobs).toHaveBeenCalledWith('c1', 'certificate archived by alice', tx);
  });

  it('archiving an archived certificate writes nothing', async () => {
    const { svc, repo } = setup('archived');
    await svc.archive({ actor: { principal: 'alice' }, id: 'c1' });
    expect(repo.markArchived).not.toHaveBeenCalled();
  });
});

describe('CertificateRevocationService (fake repository)', () => {
  function setup(state: { status: string; revocationReason: string | null } | null) {
    const repo = {
      findRevocationState: jest.fn(async () => state),
      liftHold: jest.fn(async () => undefined),
      markRevoked: jest.fn(async () => true),
    };
    return { svc: new CertificateRevocationService(repo as unknown as CertificateRepository), repo };
  }
  const revoke = { certificate_id: 'c1', revoked_at: '2026-01-01T00:00:00.000Z', actor: 'alice' };

  it('removeFromCRL lifts a certificateHold only', async () => {
    const held = setup({ status: 'revoked', revocationReason: 'certificateHold' });
    await expect(held.svc.revoke({ ...revoke, reason: 'removeFromCRL' } as never)).resolves.toEqual({
      certificate_id: 'c1',
      status: 'active',
      changed: true,
    });
    const compromised = setup({ status: 'revoked', revocationReason: 'keyCompromise' });
    await expect(compromised.svc.revoke({ ...revoke, reason: 'removeFromCRL' } as never)).resolves.toMatchObject({ changed: false });
    expect(compromised.repo.liftHold).not.toHaveBeenCalled();
  });

  it('revokes only from the statuses that lead to revoked; an unknown certificate is not found', async () => {
    const active = setup({ status: 'active', revocationReason: null });
    await active.svc.revoke({ ...revoke, reason: 'keyCompromise' } as never);
    expect(active.repo.markRevoked).toHaveBeenCalledWith(
      'c1',
      expect.arrayContaining(['active', 'archived', 'revoked']),
      'keyCompromise',
      new Date(revoke.revoked_at),
    );
    await expect(setup(null).svc.revoke({ ...revoke, reason: 'keyCompromise' } as never)).rejects.toMatchObject({ code: 'not_found' });
  });
});
