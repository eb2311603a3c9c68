import { Prisma } from '@certctl/database';
import { AgentRepository, type JobRow, type JobWithCsrContext } from './agent.repository';
import { AgentService, csrProblems } from './agent.service';

const tx = {} as Prisma.TransactionClient;
const now = new Date('2026-01-01T00:00:00.000Z');

function job(over: Partial<JobRow> = {}): JobRow {
  return {
    id: 'job-1',
    type: 'deployment',
    status: 'running',
    agentId: 'agent-a',
    certificateId: 'cert-1',
    attempts: 1,
    maxAttempts: 3,
    result: { version_id: 'ver-1' },
    scheduledAt: now,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
    ...over,
  } as JobRow;
}

function fakeRepo(locked: JobRow | null) {
  return {
    transaction: jest.fn((fn: (t: Prisma.TransactionClient) => Promise<unknown>) => fn(tx)),
    lockJob: jest.fn(async () => locked),
    recordReport: jest.fn(async (_id: string, report: { status: JobRow['status'] }) => job({ status: report.status })),
    recordHeartbeats: jest.fn(async () => new Set<string>()),
  };
}

describe('AgentService (fake repository)', () => {
  it('a report on another agent’s job is not found, and nothing is written', async () => {
    const repo = fakeRepo(job({ agentId: 'agent-b' }));
    const svc = new AgentService(repo as unknown as AgentRepository);
    await expect(svc.reportStatus({ id: 'agent-a', job_id: 'job-1', body: { status: 'completed' } })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(repo.recordReport).not.toHaveBeenCalled();
  });

  it('a completed report merges the result and stamps completion', async () => {
    const repo = fakeRepo(job());
    const svc = new AgentService(repo as unknown as AgentRepository);
    await svc.reportStatus({ id: 'agent-a', job_id: 'job-1', body: { status: 'completed', result: { deployed: true } } });
    expect(repo.recordReport).toHaveBeenCalledWith(
      'job-1',
      { status: 'completed', error: undefined, result: { version_id: 'ver-1', deployed: true }, completedAt: expect.any(Date) },
      tx,
    );
  });

  it('a deployment job answers its target (type and config) with the version to deploy; other jobs answer null', async () => {
    const target = { id: 'tgt-1', name: 'web', type: 'directory', config: { directory: '/srv/tls' } };
    const version = { certificatePem: 'LEAF', chainPem: 'CHAIN' };
    const repo = {
      findJob: jest.fn(async () => job({ targetId: 'tgt-1' })),
      findVersion: jest.fn(async () => version),
      findTarget: jest.fn(async () => target),
    };
    const svc = new AgentService(repo as unknown as AgentRepository);
    const answer = await svc.job({ id: 'agent-a', job_id: 'job-1' });
    expect(answer).toMatchObject({ certificate_pem: 'LEAF', chain_pem: 'CHAIN', target });
    expect(repo.findTarget).toHaveBeenCalledWith('tgt-1');

    const issuance = { ...repo, findJob: jest.fn(async () => job({ type: 'issuance', status: 'pending', targetId: null })) };
    const other = await new AgentService(issuance as unknown as AgentRepository).job({ id: 'agent-a', job_id: 'job-1' });
    expect(other.target).toBeNull();
  });

  it('a repeated report changes nothing; an illegal one is refused', async () => {
    const done = fakeRepo(job({ status: 'completed' }));
    const svc = new AgentService(done as unknown as AgentRepository);
    await expect(svc.reportStatus({ id: 'agent-a', job_id: 'job-1', body: { status: 'completed' } })).resolves.toMatchObject({
      status: 'completed',
    });
    await expect(svc.reportStatus({ id: 'agent-a', job_id: 'job-1', body: { status: 'running' } })).rejects.toMatchObject({
      code: 'illegal_transition',
    });
    expect(done.recordReport).not.toHaveBeenCalled();
  });

  it('a heartbeat of an unknown or retired agent is not found', async () => {
    const svc = new AgentService(fakeRepo(null) as unknown as AgentRepository);
    const body = { hostname: 'h', os: 'linux', architecture: 'x64', version: '1', ip_addresses: [] };
    await expect(svc.heartbeat({ id: 'agent-x', body } as never)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('the repository turns a taken agent name into a conflict on `name`', async () => {
    const taken = new Prisma.PrismaClientKnownRequestError('unique', { code: 'P2002', clientVersion: 'test' });
    const db = { agent: { create: jest.fn(async () => Promise.reject(taken)) } };
    const svc = new AgentService(new AgentRepository(db as never));
    await expect(
      svc.register({ actor: { principal: 'ops', role: 'admin' }, body: { name: 'web-1', hostname: 'h' } } as never),
    ).rejects.toMatchObject({
      code: 'conflict',
      fields: [{ field: 'name', message: 'must be unique' }],
    });
  });
});

describe('csrProblems', () => {
  const target = {
    certificate: {
      sans: ['a.example.com', 'b.example.com'],
      commonName: 'a.example.com',
      profile: { allowedKeyAlgorithms: [{ algorithm: 'ECDSA', min_size: 256 }] },
    },
  } as unknown as JobWithCsrContext;
  const csr = {
    signatureValid: true,
    commonName: 'a.example.com',
    sans: ['A.example.com', 'b.example.com'],
    keyType: 'ecdsa',
    keySize: 256,
  };

  it('accepts exactly the certificate’s names with an allowed key', () => {
    expect(csrProblems(csr as never, target)).toEqual([]);
  });

  it('names every mismatch: signature, extra and missing names, a refused key', () => {
    const bad = { ...csr, signatureValid: false, sans: ['c.example.com'], keyType: 'RSA', keySize: 2048 };
    expect(csrProblems(bad as never, target)).toEqual([
      'its signature does not verify',
      'it names c.example.com, which the certificate does not',
      'it lacks b.example.com',
      'its RSA 2048-bit key is not allowed by the profile',
    ]);
  });
});

describe('AgentService.retire (fake repository)', () => {
  const agentRow = (over: Record<string, unknown> = {}) => ({
    id: 'agent-a',
    name: 'web-1',
    hostname: 'h',
    status: 'retired',
    os: '',
    architecture: '',
    version: '',
    ipAddresses: [],
    lastHeartbeatAt: null,
    registeredAt: now,
    retiredAt: now,
    ...over,
  });
  const actor = { principal: 'ops', role: 'admin' };

  it('answers the retired agent and how many jobs failed, with a reason naming the agent and the actor', async () => {
    const repo = { retire: jest.fn(async () => ({ agent: agentRow(), failedJobs: 2 })) };
    const svc = new AgentService(repo as unknown as AgentRepository);
    await expect(svc.retire({ actor, id: 'agent-a' })).resolves.toEqual({
      agent: expect.objectContaining({ id: 'agent-a', status: 'retired', retired_at: now.toISOString() }),
      failed_jobs: 2,
    });
    expect(repo.retire).toHaveBeenCalledWith('agent-a', expect.stringMatching(/agent agent-a was retired by ops/));
  });

  it('an unknown agent is not found', async () => {
    const svc = new AgentService({ retire: jest.fn(async () => null) } as unknown as AgentRepository);
    await expect(svc.retire({ actor, id: 'agent-x' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
