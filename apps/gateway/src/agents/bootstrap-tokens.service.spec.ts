// BootstrapTokensService's rules (hashing, prefix, one use each, refund on failure) against an in-memory repository.
import { AppError } from '@certctl/contracts';
import type { AgentBootstrapTokenRow } from '@certctl/database';
import type { Principal } from '../auth/principal';
import { hashApiKey } from '../auth/key-material';
import type { AgentEnrolment } from './agent-enrolment';
import type { BootstrapTokensRepository, NewBootstrapToken } from './bootstrap-tokens.repository';
import { BootstrapTokensService, bootstrapRefusal, toBootstrapTokenDto } from './bootstrap-tokens.service';

const admin = { principal: 'ops', key_id: 'key-admin' } as Principal;

/** An in-memory agent_bootstrap_tokens table whose consume is the same conditional decrement as the SQL. */
function fakeRepository() {
  const rows = new Map<string, AgentBootstrapTokenRow>();
  const byHash = (hash: string) => [...rows.values()].find((row) => row.tokenHash === hash) ?? null;
  return {
    rows,
    insert: jest.fn(async (token: NewBootstrapToken) => {
      const row = { ...token, createdAt: new Date(), lastUsedAt: null };
      rows.set(row.id, row);
      return row;
    }),
    list: async () => [...rows.values()],
    findByHash: async (hash: string) => byHash(hash),
    delete: async (id: string) => rows.delete(id),
    consume: jest.fn(async (hash: string) => {
      const row = byHash(hash);
      if (!row || row.usesLeft <= 0 || row.expiresAt.getTime() <= Date.now()) return null;
      row.usesLeft -= 1;
      row.lastUsedAt = new Date();
      return { ...row };
    }),
    refund: jest.fn(async (id: string) => void (rows.get(id)!.usesLeft += 1)),
  };
}

type Enrol = (body: { name: string }) => Promise<{ id: string; agent: { name: string }; api_key: string }>;

function setup(
  enrol: jest.Mock<ReturnType<Enrol>, Parameters<Enrol>> = jest.fn(async (body) => ({
    id: 'agent-1',
    agent: { name: body.name },
    api_key: 'cck_x',
  })),
) {
  const repo = fakeRepository();
  const svc = new BootstrapTokensService(repo as unknown as BootstrapTokensRepository, { enrol } as unknown as AgentEnrolment);
  return { repo, svc, enrol };
}

describe('BootstrapTokensService (fake repository)', () => {
  it('mints cbt_ + 32 random bytes, stores only its SHA-256, and answers the token once', async () => {
    const { repo, svc } = setup();
    const minted = await svc.create({ expires_in_seconds: 3600, uses: 2, name_prefix: 'edge-' }, admin);
    expect(minted.token).toMatch(/^cbt_[A-Za-z0-9_-]{43}$/);
    const stored = [...repo.rows.values()][0];
    expect(stored).toMatchObject({ tokenHash: hashApiKey(minted.token), usesLeft: 2, namePrefix: 'edge-', createdBy: 'ops' });
    expect(JSON.stringify(stored)).not.toContain(minted.token);
    expect(stored.expiresAt.getTime() - Date.now()).toBeGreaterThan(3590 * 1000);
    expect(JSON.stringify(await svc.list({ limit: 10 }))).not.toContain(minted.token);
  });

  it('exchanges a token for an agent with the actor bootstrap:<token id>, one use each, then 401', async () => {
    const { repo, svc, enrol } = setup();
    const minted = await svc.create({ expires_in_seconds: 3600, uses: 1 }, admin);
    const got = await svc.exchange(minted.token, { name: 'web-1', hostname: 'h' });
    expect(got).toMatchObject({ id: 'agent-1', api_key: 'cck_x', token_id: minted.id });
    expect(enrol).toHaveBeenCalledWith({ name: 'web-1', hostname: 'h' }, { principal: `bootstrap:${minted.id}`, role: 'bootstrap' }, null);
    expect(repo.rows.get(minted.id)!.usesLeft).toBe(0);
    await expect(svc.exchange(minted.token, { name: 'web-2', hostname: 'h' })).rejects.toMatchObject({ code: 'unauthorized' });
    expect(enrol).toHaveBeenCalledTimes(1);
  });

  it('refuses a missing, foreign or unknown token before touching anything', async () => {
    const { repo, svc } = setup();
    for (const token of [undefined, 'cck_not-a-bootstrap-token', `cbt_${'A'.repeat(43)}`]) {
      await expect(svc.exchange(token, { name: 'web-1', hostname: '' })).rejects.toMatchObject({ code: 'unauthorized' });
    }
    expect(repo.consume).not.toHaveBeenCalled();
  });

  it('a name outside the prefix is a 422 on `name` and keeps the use', async () => {
    const { repo, svc } = setup();
    const minted = await svc.create({ expires_in_seconds: 3600, uses: 1, name_prefix: 'edge-' }, admin);
    await expect(svc.exchange(minted.token, { name: 'web-1', hostname: '' })).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'name', message: expect.stringContaining('"edge-"') }],
    });
    expect(repo.rows.get(minted.id)!.usesLeft).toBe(1);
  });

  it('gives the use back when the agent cannot be created (a taken name)', async () => {
    const { repo, svc } = setup(
      jest.fn<ReturnType<Enrol>, Parameters<Enrol>>(async () => {
        throw new AppError('conflict', 'taken');
      }),
    );
    const minted = await svc.create({ expires_in_seconds: 3600, uses: 1 }, admin);
    await expect(svc.exchange(minted.token, { name: 'web-1', hostname: '' })).rejects.toMatchObject({ code: 'conflict' });
    expect(repo.refund).toHaveBeenCalledWith(minted.id);
    expect(repo.rows.get(minted.id)!.usesLeft).toBe(1);
  });

  it('deleting an unknown token is a 404', async () => {
    await expect(setup().svc.delete('bst-nope')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('bootstrap token status', () => {
  const row = (over: Partial<AgentBootstrapTokenRow>) =>
    ({ id: 'bst-1', usesLeft: 1, expiresAt: new Date(2000), createdAt: new Date(0), namePrefix: null, ...over }) as AgentBootstrapTokenRow;

  it('active, expired and used are told apart; only an active token enrols', () => {
    expect(toBootstrapTokenDto(row({}), 1000).status).toBe('active');
    expect(toBootstrapTokenDto(row({}), 2000).status).toBe('expired');
    expect(toBootstrapTokenDto(row({ usesLeft: 0 }), 1000).status).toBe('used');
    expect(bootstrapRefusal(row({}), 'a', 1000)).toBeNull();
    expect(bootstrapRefusal(row({}), 'a', 3000)?.code).toBe('unauthorized');
    expect(bootstrapRefusal(null, 'a', 1000)?.code).toBe('unauthorized');
  });
});
