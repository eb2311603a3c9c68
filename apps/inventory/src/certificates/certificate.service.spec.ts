import { AppError, Events } from '@certctl/contracts';
import { Prisma } from '@certctl/database';
import { CertificateRepository } from './certificate.repository';
import { CertificateService } from './certificate.service';
import type { JobService } from '../jobs/job.service';

const now = new Date('2026-01-01T00:00:00.000Z');
const actor = { principal: 'alice', role: 'admin', key_id: 'key-a' };
const body = {
  name: 'web',
  common_name: 'Web.Example.com',
  sans: ['web.example.com', 'www.example.com'],
  environment: 'production',
  tags: {},
  issuer_id: 'iss1',
  owner_id: 'o1',
  team_id: 't1',
  renewal_policy_id: 'rp1',
  target_ids: [] as string[],
};

/** A certificate repository where everything referenced exists unless told otherwise. */
function fakeRepo(over: Record<string, unknown> = {}) {
  return {
    ownerExists: jest.fn(async () => true),
    teamExists: jest.fn(async () => true),
    agentExists: jest.fn(async () => true),
    findRenewalPolicy: jest.fn(async () => ({ id: 'rp1', maxRetries: 4 })),
    findIssuanceProfile: jest.fn(async () => null as unknown),
    existingTargetIds: jest.fn(async () => new Set<string>()),
    insertWithIssuanceJob: jest.fn(async (input: { certificate: Record<string, unknown> }) => ({
      ...input.certificate,
      status: 'pending',
      source: 'api',
      environment: 'production',
      tags: {},
      createdAt: now,
      updatedAt: now,
      expiresAt: null,
    })),
    ...over,
  };
}

function setup(repo: ReturnType<typeof fakeRepo>, issuerFound = true) {
  const rpc = {
    emit: jest.fn(async () => undefined),
    request: jest.fn(async () => {
      if (!issuerFound) throw AppError.notFound('issuer', 'iss1');
      return { id: 'iss1' };
    }),
  };
  const jobs = { traceparent: () => undefined, enqueueIssuance: jest.fn(async () => undefined) };
  const svc = new CertificateService(repo as unknown as CertificateRepository, rpc as never, jobs as unknown as JobService, {
    CERTCTL_RENEWAL_JITTER_MAX_MS: 0,
  });
  return { svc, rpc, jobs };
}

describe('CertificateService.create (fake repository)', () => {
  it('writes the certificate with its names deduplicated and lower-cased, queues the issuance job and emits certificate.created', async () => {
    const repo = fakeRepo();
    const { svc, rpc, jobs } = setup(repo);
    const out = await svc.create({ actor, certificate: body } as never);
    const written = repo.insertWithIssuanceJob.mock.calls[0][0] as {
      certificate: { sans: string[]; commonName: string };
      job: { status: string; maxAttempts: number };
    };
    expect(written.certificate).toMatchObject({ commonName: 'web.example.com', sans: ['web.example.com', 'www.example.com'] });
    expect(written.job).toMatchObject({ status: 'pending', maxAttempts: 4, requestedBy: 'alice', requestedByKeyId: 'key-a' });
    expect(jobs.enqueueIssuance).toHaveBeenCalledWith(out.job_id, out.certificate.id, undefined);
    expect(rpc.emit).toHaveBeenCalledWith(Events.certificateCreated, {
      certificate_id: out.certificate.id,
      job_id: out.job_id,
      actor: 'alice',
    });
  });

  it('a profile that requires approval leaves the job awaiting approval, not queued', async () => {
    const profile = { id: 'p1', requiresApproval: true, keyGeneration: 'server', sanRules: {} };
    const repo = fakeRepo({ findIssuanceProfile: jest.fn(async () => profile) });
    const { svc, jobs } = setup(repo);
    await svc.create({ actor, certificate: { ...body, profile_id: 'p1' } } as never);
    expect(repo.insertWithIssuanceJob.mock.calls[0][0]).toMatchObject({ job: { status: 'awaiting_approval' } });
    expect(jobs.enqueueIssuance).not.toHaveBeenCalled();
  });

  it('names every missing reference in one validation error and writes nothing', async () => {
    const repo = fakeRepo({
      ownerExists: jest.fn(async () => false),
      teamExists: jest.fn(async () => false),
      findRenewalPolicy: jest.fn(async () => null),
      agentExists: jest.fn(async () => false),
      existingTargetIds: jest.fn(async () => new Set(['tgt-1'])),
    });
    const { svc, rpc } = setup(repo, false);
    const err = await svc
      .create({ actor, certificate: { ...body, profile_id: 'p9', agent_id: 'agent-9', target_ids: ['tgt-1', 'tgt-2'] } } as never)
      .catch((e: AppError) => e);
    expect(err).toMatchObject({ code: 'validation_failed' });
    expect((err as AppError).fields?.map((f) => f.field)).toEqual([
      'issuer_id',
      'owner_id',
      'team_id',
      'renewal_policy_id',
      'profile_id',
      'agent_id',
      'target_ids',
    ]);
    expect(repo.insertWithIssuanceJob).not.toHaveBeenCalled();
    expect(rpc.emit).not.toHaveBeenCalled();
  });

  it('a profile whose agent generates the key requires an agent', async () => {
    const profile = { id: 'p1', requiresApproval: false, keyGeneration: 'agent', sanRules: {} };
    const { svc } = setup(fakeRepo({ findIssuanceProfile: jest.fn(async () => profile) }));
    await expect(svc.create({ actor, certificate: { ...body, profile_id: 'p1' } } as never)).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'agent_id', message: 'is required: the profile has the agent generate the key' }],
    });
  });

  it('a taken name becomes a conflict on `name` (the repository’s translation), and nothing is emitted', async () => {
    const taken = new Prisma.PrismaClientKnownRequestError('unique', { code: 'P2002', clientVersion: 'test' });
    const db = { $transaction: jest.fn(async () => Promise.reject(taken)) };
    const real = new CertificateRepository(db as never);
    const repo = fakeRepo({ insertWithIssuanceJob: jest.fn((input: never) => real.insertWithIssuanceJob(input)) });
    const { svc, rpc } = setup(repo);
    await expect(svc.create({ actor, certificate: body } as never)).rejects.toMatchObject({
      code: 'conflict',
      message: 'a certificate named "web" already exists',
      fields: [{ field: 'name', message: 'must be unique' }],
    });
    expect(rpc.emit).not.toHaveBeenCalled();
  });
});

describe('CertificateService.list (fake repository)', () => {
  it('passes the profile filter to the repository with the other filters', async () => {
    const list = jest.fn(async () => []);
    const repo = fakeRepo({
      list,
      pageDetails: jest.fn(async () => new Map()),
    });
    const { svc } = setup(repo);
    const page = await svc.list({ limit: 50, sort: '-name', profile_id: 'prof-web', team_id: 't1' });
    expect(page).toEqual({ data: [], next_cursor: null });
    expect(list).toHaveBeenCalledWith(
      expect.objectContaining({ profileId: 'prof-web', teamId: 't1', sort: { field: 'name', direction: 'desc' }, take: 51 }),
    );
  });
});
