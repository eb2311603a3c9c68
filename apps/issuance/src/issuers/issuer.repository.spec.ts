import { Prisma, type PrismaService } from '@certctl/database';
import { IssuerRepository } from './issuer.repository';

describe('IssuerRepository (queries that unit tests of its callers rely on)', () => {
  it('ok/the expiry metric reads the CA certificate of every enabled issuer that has one', async () => {
    const findMany = jest.fn(async () => [{ id: 'iss-root', caCertificatePem: 'PEM' }]);
    const repository = new IssuerRepository({ issuer: { findMany } } as unknown as PrismaService);
    expect(await repository.findEnabledCaCertificates()).toEqual([{ id: 'iss-root', caCertificatePem: 'PEM' }]);
    expect(findMany).toHaveBeenCalledWith({
      where: { enabled: true, caCertificatePem: { not: null } },
      select: { id: true, caCertificatePem: true },
    });
  });

  it('fail/a taken issuer name or id is a conflict on the name field; other database errors pass through', async () => {
    const unique = new Prisma.PrismaClientKnownRequestError('Unique constraint failed', { code: 'P2002', clientVersion: 'test' });
    const create = jest.fn(async () => {
      throw unique;
    });
    const repository = new IssuerRepository({ issuer: { create } } as unknown as PrismaService);
    await expect(repository.insert({ id: 'iss-1', name: 'dup', type: 'acme' })).rejects.toMatchObject({
      code: 'conflict',
      message: 'an issuer with this name or id already exists',
      fields: [{ field: 'name', message: 'must be unique' }],
    });
    const down = new Error('database down');
    create.mockRejectedValueOnce(down);
    await expect(repository.insert({ id: 'iss-2', name: 'ok', type: 'acme' })).rejects.toBe(down);
  });
});
