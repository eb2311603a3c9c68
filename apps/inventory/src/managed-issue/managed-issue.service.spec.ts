import type { Prisma } from '@certctl/database';
import type { JobService } from '../jobs/job.service';
import type { ManagedIssueRepository } from './managed-issue.repository';
import { type ManagedIssueRequest, ManagedIssueService, keyRuleProblem } from './managed-issue.service';

const tx = {} as Prisma.TransactionClient;

function setup(allowed: unknown) {
  const repo = {
    transaction: jest.fn((fn: (t: Prisma.TransactionClient) => Promise<unknown>) => fn(tx)),
    findJobByIdempotencyKey: jest.fn(async () => null),
    findPolicyRetries: jest.fn(async () => ({ maxRetries: 1 })),
    findProfileRules: jest.fn(async () => ({ requiresApproval: false, sanRules: {}, allowedKeyAlgorithms: allowed })),
    markRenewing: jest.fn(async () => undefined),
    insertCertificate: jest.fn(async () => undefined),
    insertJob: jest.fn(async () => undefined),
  };
  const jobs = { traceparent: () => undefined, enqueueIssuance: jest.fn(async () => undefined) };
  return { svc: new ManagedIssueService(repo as unknown as ManagedIssueRepository, jobs as unknown as JobService), repo };
}

const request = (over: Partial<ManagedIssueRequest> = {}): ManagedIssueRequest => ({
  idempotencyKey: 'est:enp-1:r1',
  actor: 'est:demo:10.0.0.1',
  source: 'est',
  commonName: 'Dev.example.com',
  sans: ['dev.example.com'],
  csrPem: 'CSR',
  issuerId: 'iss',
  profileId: 'p',
  ownerId: 'o',
  teamId: 't',
  renewalPolicyId: 'rp',
  tags: { enrollment_profile: 'demo' },
  key: { type: 'RSA', size: 2048 },
  findRenewable: async () => undefined,
  certificateName: (id) => `est-demo-${id}`,
  context: {},
  ...over,
});

describe('ManagedIssueService (fake repository)', () => {
  it('ok/the recorded job and the plan are read together: the profile is asked before the idempotency lookup answers', async () => {
    const { svc, repo } = setup([{ algorithm: 'RSA', min_size: 2048 }]);
    let answer!: (row: null) => void;
    repo.findJobByIdempotencyKey.mockImplementation(() => new Promise<null>((resolve) => (answer = resolve)));
    const issuing = svc.issue(request());
    await new Promise((resolve) => setImmediate(resolve));
    expect(repo.findProfileRules).toHaveBeenCalledWith('p');
    expect(repo.findPolicyRetries).toHaveBeenCalledWith('rp');
    answer(null);
    await expect(issuing).resolves.toMatchObject({ job_status: 'pending' });
  });

  it('ok/a repeated request answers its recorded job even when the plan would now fail (profile gone)', async () => {
    const { svc, repo } = setup([]);
    repo.findJobByIdempotencyKey.mockResolvedValue({
      id: 'job-1',
      certificateId: 'cert-1',
      status: 'completed',
      type: 'issuance',
    } as never);
    repo.findProfileRules.mockResolvedValue(null as never);
    await expect(svc.issue(request())).resolves.toEqual({
      certificate_id: 'cert-1',
      job_id: 'job-1',
      job_status: 'completed',
      renewal: false,
    });
    expect(repo.transaction).not.toHaveBeenCalled();
  });

  it('a key the profile does not allow is refused before anything is written', async () => {
    const { svc, repo } = setup([{ algorithm: 'ECDSA', min_size: 256 }]);
    await expect(svc.issue(request())).rejects.toMatchObject({ code: 'validation_failed' });
    expect(repo.transaction).not.toHaveBeenCalled();
  });

  it('a new enrollment records a certificate with the source, tags and name given, and a renewal reuses the certificate', async () => {
    const { svc, repo } = setup([{ algorithm: 'RSA', min_size: 2048 }]);
    const out = await svc.issue(request());
    expect(repo.insertCertificate).toHaveBeenCalledWith(
      expect.objectContaining({
        source: 'est',
        tags: { enrollment_profile: 'demo' },
        name: `est-demo-${out.certificate_id}`,
        commonName: 'dev.example.com',
      }),
      'est:enp-1:r1',
      tx,
    );
    const renewed = await svc.issue(request({ findRenewable: async () => 'cert-old' }));
    expect(renewed).toMatchObject({ certificate_id: 'cert-old', renewal: true });
    expect(repo.markRenewing).toHaveBeenCalledWith('cert-old', { enrollment_profile: 'demo' }, tx);
  });

  it('key rules: none listed allows any key; a family at or above its minimum passes', () => {
    expect(keyRuleProblem({ type: 'RSA', size: 1024 }, [])).toBeUndefined();
    expect(keyRuleProblem({ type: 'ECDSA', size: 384 }, [{ algorithm: 'ECDSA', min_size: 256 }])).toBeUndefined();
    expect(keyRuleProblem({ type: 'RSA', size: 1024 }, [{ algorithm: 'RSA', min_size: 2048 }])).toMatch(/RSA 1024-bit key is not allowed/);
  });
});
