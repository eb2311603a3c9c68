import { Prisma } from '@certctl/database';
import type { InventoryConfig } from '../config';
import { ConfigResourceRepository } from './config-resource.repository';
import { ConfigResourceService } from './config-resource.service';

const now = new Date('2026-01-01T00:00:00.000Z');
const config = { CERTCTL_ENCRYPTION_KEY: 'x'.repeat(32) } as unknown as InventoryConfig;
const actor = { principal: 'alice' };

/** A repository whose rows and reference counts are given; writes are recorded. */
function fakeRepo(over: Record<string, unknown> = {}) {
  return {
    findById: jest.fn(async (_entity: string, id: string) => ({ id, name: 'ops', createdAt: now, updatedAt: now })),
    insert: jest.fn(async (_entity: string, id: string, columns: Record<string, unknown>) => ({
      id,
      ...columns,
      createdAt: now,
      updatedAt: now,
    })),
    update: jest.fn(),
    delete: jest.fn(async () => undefined),
    list: jest.fn(),
    teamExists: jest.fn(async () => true),
    agentExists: jest.fn(async () => true),
    countCertificates: jest.fn(async () => 0),
    someCertificateIds: jest.fn(async () => [] as string[]),
    countOwnersOfTeam: jest.fn(async () => 0),
    countOpenJobsOfTarget: jest.fn(async () => 0),
    countCertificateBindings: jest.fn(async () => 0),
    ...over,
  };
}

const service = (repo: ReturnType<typeof fakeRepo>) => new ConfigResourceService(repo as unknown as ConfigResourceRepository, config);

describe('ConfigResourceService (fake repository)', () => {
  it('deleting a team still in use is a conflict naming what uses it, and nothing is deleted', async () => {
    const repo = fakeRepo({
      countCertificates: jest.fn(async () => 7),
      someCertificateIds: jest.fn(async () => ['c1', 'c2', 'c3', 'c4', 'c5']),
      countOwnersOfTeam: jest.fn(async () => 2),
    });
    await expect(service(repo).delete('team', actor, 't1')).rejects.toMatchObject({
      code: 'conflict',
      message: 'team t1 is still referenced by 7 certificate(s) (c1, c2, c3, c4, c5, ...) and 2 owner(s)',
    });
    expect(repo.someCertificateIds).toHaveBeenCalledWith({ teamId: 't1' }, 5);
    expect(repo.delete).not.toHaveBeenCalled();
  });

  it('a target with open deployment jobs cannot be deleted; an unused one can', async () => {
    const busy = fakeRepo({ countOpenJobsOfTarget: jest.fn(async () => 1) });
    await expect(service(busy).delete('target', actor, 'tgt1')).rejects.toMatchObject({ code: 'conflict' });
    const idle = fakeRepo();
    await expect(service(idle).delete('target', actor, 'tgt1')).resolves.toEqual({ id: 'tgt1', deleted: true });
    expect(idle.delete).toHaveBeenCalledWith('target', 'tgt1');
  });

  it('an owner naming a team that does not exist is a validation error on team_id', async () => {
    const repo = fakeRepo({ teamExists: jest.fn(async () => false) });
    await expect(service(repo).create('owner', actor, { name: 'bob', email: 'b@example.com', team_id: 't9' })).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'team_id', message: 'team "t9" does not exist' }],
    });
    expect(repo.insert).not.toHaveBeenCalled();
  });

  it('creating writes the columns the adapter maps and answers the wire shape', async () => {
    const repo = fakeRepo();
    const out = await service(repo).create('owner', actor, { id: 'o1', name: 'bob', email: 'b@example.com', team_id: 't1' });
    expect(repo.insert).toHaveBeenCalledWith('owner', 'o1', { name: 'bob', email: 'b@example.com', teamId: 't1' });
    expect(out).toMatchObject({ id: 'o1', name: 'bob', team_id: 't1' });
  });

  const nginxConfig = { cert_path: '/etc/nginx/tls/site.pem', key_path: '/etc/nginx/tls/site.key', verify: { port: 443 } };

  it("a target's config is checked against its type's schema: each bad field named config.<field>, nothing written", async () => {
    const repo = fakeRepo();
    const created = service(repo).create('target', actor, { name: 'web', type: 'nginx', config: { cert_path: 'site.pem', verify: {} } });
    await expect(created).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [
        { field: 'config.cert_path', message: 'must be an absolute path' },
        { field: 'config.key_path', message: expect.any(String) },
        { field: 'config.verify.port', message: expect.any(String) },
      ],
    });
    expect(repo.insert).not.toHaveBeenCalled();
    await service(repo).create('target', actor, { id: 'tgt1', name: 'web', type: 'nginx', config: nginxConfig });
    expect(repo.insert).toHaveBeenCalledWith('target', 'tgt1', { name: 'web', type: 'nginx', config: nginxConfig });
  });

  it("an update's config is checked against the stored target's type; a type no agent deploys to keeps a free-form config", async () => {
    const stored = { id: 'tgt1', name: 'web', type: 'haproxy', config: {}, createdAt: now, updatedAt: now };
    const repo = fakeRepo({ findById: jest.fn(async () => stored) });
    await expect(service(repo).update('target', actor, 'tgt1', { config: nginxConfig })).rejects.toMatchObject({
      fields: expect.arrayContaining([{ field: 'config.pem_path', message: expect.any(String) }]),
    });
    expect(repo.update).not.toHaveBeenCalled();
    const free = fakeRepo();
    await service(free).create('target', actor, { id: 'tgt2', name: 'lb', type: 'f5', config: { anything: ['goes'] } });
    expect(free.insert).toHaveBeenCalledWith('target', 'tgt2', { name: 'lb', type: 'f5', config: { anything: ['goes'] } });
  });

  it('a masked secret sent back is checked as the stored secret it stands for', async () => {
    const keystore = { path: '/srv/app/keystore.p12', format: 'pkcs12', password_env: 'APP_STORE_PASSWORD' };
    const repo = fakeRepo();
    await service(repo).create('target', actor, { id: 'tgt3', name: 'app', type: 'keystore', config: keystore });
    const stored = { id: 'tgt3', name: 'app', type: 'keystore', createdAt: now, updatedAt: now, ...repo.insert.mock.calls[0][2] };
    const shown = (await service(fakeRepo({ findById: jest.fn(async () => stored) })).get('target', 'tgt3')).config as Record<
      string,
      unknown
    >;
    expect(shown.password_env).not.toBe('APP_STORE_PASSWORD');
    const updating = fakeRepo({ findById: jest.fn(async () => stored), update: jest.fn(async () => stored) });
    await expect(
      service(updating).update('target', actor, 'tgt3', { config: { ...keystore, password_env: shown.password_env } }),
    ).resolves.toBeDefined();
    expect(updating.update).toHaveBeenCalled();
  });
});

describe('ConfigResourceRepository error translation', () => {
  const known = (code: string, meta?: Record<string, unknown>) =>
    new Prisma.PrismaClientKnownRequestError('refused', { code, clientVersion: 'test', meta });
  const failing = (err: Error) => {
    const table = {
      create: jest.fn(() => Promise.reject(err)),
      update: jest.fn(() => Promise.reject(err)),
      delete: jest.fn(() => Promise.reject(err)),
    };
    return new ConfigResourceRepository({
      team: table,
      owner: table,
      renewalPolicy: table,
      certificateProfile: table,
      target: table,
    } as never);
  };

  it('a taken name is a conflict on name, a taken id one on id', async () => {
    await expect(failing(known('P2002', { target: ['name'] })).insert('team', 't1', {})).rejects.toMatchObject({
      code: 'conflict',
      fields: [{ field: 'name', message: 'must be unique' }],
    });
    await expect(failing(known('P2002', { target: ['id'] })).insert('profile', 'p1', {})).rejects.toMatchObject({
      code: 'conflict',
      message: 'a profile with this id already exists',
    });
  });

  it('a dangling reference is a conflict; a vanished row not found; anything else passes unchanged', async () => {
    await expect(failing(known('P2003')).delete('owner', 'o1')).rejects.toMatchObject({
      code: 'conflict',
      message: 'owner o1 is still referenced',
    });
    await expect(failing(known('P2025')).update('renewal_policy', 'rp1', {})).rejects.toMatchObject({ code: 'not_found' });
    const other = new Error('connection lost');
    await expect(failing(other).insert('team', 't1', {})).rejects.toBe(other);
  });
});
