import type { PrismaService } from '@certctl/database';
import { AuthorizationsRepository } from './authorizations.repository';
import { OrdersRepository } from './orders.repository';

/** Only the table check is exercised here; the SQL itself runs in the ACME e2e tests against PostgreSQL. */
function fakeDb() {
  const updateMany = jest.fn(async () => ({ count: 1 }));
  return { db: { acmeOrder: { updateMany }, acmeAuthorization: { updateMany } } as unknown as PrismaService, updateMany };
}

describe('status writes go through the transition table before any SQL', () => {
  it('ok/an allowed order transition is one conditional UPDATE on the old statuses', async () => {
    const { db, updateMany } = fakeDb();
    expect(await new OrdersRepository(db).transition('ord-1', ['processing'], 'valid', { serialNumber: '0a' })).toBe(1);
    expect(updateMany).toHaveBeenCalledWith({
      where: { id: 'ord-1', status: { in: ['processing'] } },
      data: { status: 'valid', serialNumber: '0a' },
    });
  });

  it('fail/an illegal order transition is refused with illegal_transition and never reaches the database', async () => {
    const { db, updateMany } = fakeDb();
    const repository = new OrdersRepository(db);
    await expect(repository.transition('ord-1', ['valid'], 'invalid')).rejects.toMatchObject({ code: 'illegal_transition' });
    await expect(repository.transitionOfAccount('acct-1', ['pending', 'ready'], 'valid')).rejects.toMatchObject({
      code: 'illegal_transition',
    });
    expect(updateMany).not.toHaveBeenCalled();
  });

  it('fail/an illegal authorization transition is refused the same way', async () => {
    const { db, updateMany } = fakeDb();
    await expect(new AuthorizationsRepository(db).transition('authz-1', ['expired'], 'valid')).rejects.toMatchObject({
      code: 'illegal_transition',
    });
    expect(updateMany).not.toHaveBeenCalled();
  });
});
