import { Prisma, type PrismaService } from '@certctl/database';
import { type NewRevocation, RevocationRepository } from './revocation.repository';

const refused = (code: string) => new Prisma.PrismaClientKnownRequestError('refused', { code, clientVersion: 'test' });
const data: NewRevocation = {
  id: 'rev-1',
  issuerId: 'iss-1',
  serialNumber: 'aa01',
  certificateId: 'crt-1',
  reason: 'keyCompromise',
  revokedAt: new Date('2026-06-01T00:00:00Z'),
  actor: 'alice',
  notAfter: new Date('2027-01-01T00:00:00Z'),
  shortLived: false,
};

/** The unique-key race of insertOnce, against a Prisma stand-in (the SQL itself is covered by the e2e tier). */
describe('RevocationRepository.insertOnce', () => {
  const setup = (create: jest.Mock) => {
    const winner = { ...data, id: 'rev-0', actor: 'bob', createdAt: new Date() };
    const findUniqueOrThrow = jest.fn(async () => winner);
    const tx = { revocation: { create } };
    const db = { revocation: { findUniqueOrThrow }, $transaction: jest.fn((fn: (t: typeof tx) => unknown) => fn(tx)) };
    return { repo: new RevocationRepository(db as unknown as PrismaService), winner, findUniqueOrThrow, tx };
  };

  it('ok/a new row is created', async () => {
    const { repo, findUniqueOrThrow } = setup(
      jest.fn(async ({ data: row }: { data: NewRevocation }) => ({ ...row, createdAt: new Date() })),
    );
    expect(await repo.insertOnce(data)).toMatchObject({ created: true, row: { id: 'rev-1', actor: 'alice' } });
    expect(findUniqueOrThrow).not.toHaveBeenCalled();
  });

  it('ok/the work alongside (the outbox event) runs in the insert transaction with the new row, and not at all when another request won', async () => {
    const alongside = jest.fn(async () => undefined);
    const { repo, tx } = setup(jest.fn(async ({ data: row }: { data: NewRevocation }) => ({ ...row, createdAt: new Date() })));
    await repo.insertOnce(data, alongside);
    expect(alongside).toHaveBeenCalledWith(tx, expect.objectContaining({ id: 'rev-1' }));

    const lost = jest.fn(async () => undefined);
    await setup(jest.fn().mockRejectedValue(refused('P2002'))).repo.insertOnce(data, lost);
    expect(lost).not.toHaveBeenCalled();
  });

  it('ok/a unique violation (a concurrent revocation won) answers with the stored row, created: false', async () => {
    const { repo, winner, findUniqueOrThrow } = setup(jest.fn().mockRejectedValue(refused('P2002')));
    expect(await repo.insertOnce(data)).toEqual({ row: winner, created: false });
    expect(findUniqueOrThrow).toHaveBeenCalledWith({ where: { issuerId_serialNumber: { issuerId: 'iss-1', serialNumber: 'aa01' } } });
  });

  it('fail/any other database error propagates unchanged', async () => {
    const error = refused('P2003');
    const { repo, findUniqueOrThrow } = setup(jest.fn().mockRejectedValue(error));
    await expect(repo.insertOnce(data)).rejects.toBe(error);
    expect(findUniqueOrThrow).not.toHaveBeenCalled();
  });
});
