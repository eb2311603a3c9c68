import { AppError } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';
import type { JobService } from '../jobs/job.service';
import type { JobRow, ManagedIssueRepository } from '../managed-issue/managed-issue.repository';
import { ManagedIssueService } from '../managed-issue/managed-issue.service';
import type { AcmeIssueRepository } from './acme-issue.repository';
import { AcmeIssueService } from './acme-issue.service';

const tx = {} as Prisma.TransactionClient;
const order = {
  order_id: 'ord1',
  account_id: 'acct1',
  common_name: 'A.example.com',
  sans: ['b.example.com', 'A.example.com'],
  csr_pem: 'CSR',
  issuer_id: 'iss1',
  profile_id: 'p1',
  owner_id: 'o1',
  team_id: 't1',
  renewal_policy_id: 'rp1',
};

function setup(over: Record<string, unknown> = {}) {
  const repo = {
    transaction: jest.fn((fn: (t: Prisma.TransactionClient) => Promise<unknown>) => fn(tx)),
    findJobByIdempotencyKey: jest.fn(async () => null as JobRow | null),
    findPolicyRetries: jest.fn(async () => ({ maxRetries: 2 })),
    findProfileRules: jest.fn(async () => ({ requiresApproval: false, sanRules: {} })),
    lockRenewable: jest.fn(async () => undefined as string | undefined),
    markRenewing: jest.fn(async () => undefined),
    insertCertificate: jest.fn(async () => undefined),
    insertJob: jest.fn(async () => undefined),
    findVersionOfJob: jest.fn(async () => null as { serialNumber: string; certificatePem: string; chainPem: string } | null),
    ...over,
  };
  const jobs = { traceparent: () => undefined, enqueueIssuance: jest.fn(async () => undefined) };
  const managed = new ManagedIssueService(repo as unknown as ManagedIssueRepository, jobs as unknown as JobService);
  return { svc: new AcmeIssueService(repo as unknown as AcmeIssueRepository, managed), repo, jobs };
}

describe('AcmeIssueService (fake repository)', () => {
  it('a new order records a certificate with the sorted lower-cased names and a pending issuance job, and queues it', async () => {
    const { svc, repo, jobs } = setup();
    const out = await svc.issue(order as never);
    expect(out).toMatchObject({ job_status: 'pending', renewal: false });
    expect(repo.insertCertificate).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'acme-ord1', commonName: 'a.example.com', sans: ['a.example.com', 'b.example.com'], source: 'acme' }),
      'acme:ord1',
      tx,
    );
    expect(repo.insertJob).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'issuance', idempotencyKey: 'acme:ord1', maxAttempts: 2, requestedBy: 'acme:acct1' }),
      'acme:ord1',
      tx,
    );
    expect(jobs.enqueueIssuance).toHaveBeenCalledWith(out.job_id, out.certificate_id, undefined);
  });

  it('the account’s earlier certificate for the same names is renewed instead', async () => {
    const { svc, repo } = setup({ lockRenewable: jest.fn(async () => 'cert-old') });
    await expect(svc.issue(order as never)).resolves.toMatchObject({ certificate_id: 'cert-old', renewal: true });
    expect(repo.markRenewing).toHaveBeenCalledWith('cert-old', { acme_account_id: 'acct1', acme_order_id: 'ord1' }, tx);
    expect(repo.insertCertificate).not.toHaveBeenCalled();
    expect(repo.insertJob).toHaveBeenCalledWith(expect.objectContaining({ type: 'renewal', certificateId: 'cert-old' }), 'acme:ord1', tx);
  });

  it('a finalize that lost the race (conflict) answers with the winner’s job', async () => {
    const winner = { id: 'job-w', certificateId: 'cert-w', status: 'pending', type: 'issuance' } as JobRow;
    const find = jest.fn<Promise<JobRow | null>, []>().mockResolvedValueOnce(null).mockResolvedValueOnce(winner);
    const { svc } = setup({
      findJobByIdempotencyKey: find,
      insertJob: jest.fn(async () => Promise.reject(new AppError('conflict', 'request acme:ord1 is already recorded'))),
    });
    await expect(svc.issue(order as never)).resolves.toEqual({
      certificate_id: 'cert-w',
      job_id: 'job-w',
      job_status: 'pending',
      renewal: false,
    });
  });

  it('names the profile does not allow are refused before anything is written', async () => {
    const { svc, repo } = setup({ findProfileRules: jest.fn(async () => ({ requiresApproval: false, sanRules: { max_sans: 1 } })) });
    await expect(svc.issue(order as never)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(repo.transaction).not.toHaveBeenCalled();
  });
});

describe('AcmeIssueService.issued', () => {
  it('ok/answers the version the job stored, by the job id', async () => {
    const { svc, repo } = setup({
      findVersionOfJob: jest.fn(async () => ({ serialNumber: '0a', certificatePem: 'LEAF', chainPem: 'CHAIN' })),
    });
    await expect(svc.issued('job-1')).resolves.toEqual({ version: { serial_number: '0a', certificate_pem: 'LEAF', chain_pem: 'CHAIN' } });
    expect(repo.findVersionOfJob).toHaveBeenCalledWith('job-1');
  });

  it('ok/a job with no stored version yet answers null', async () => {
    const { svc } = setup();
    await expect(svc.issued('job-1')).resolves.toEqual({ version: null });
  });
});
