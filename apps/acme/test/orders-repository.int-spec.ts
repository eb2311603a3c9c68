import { type PrismaClient, type PrismaService, createPrismaClient, newId } from '@certctl/database';
import { AuthorizationsRepository } from '../src/orders/authorizations.repository';
import { type NewOrder, OrdersRepository } from '../src/orders/orders.repository';

/**
 * The ACME order path's one-statement writes on real PostgreSQL: an order with its
 * authorizations and challenges in one INSERT, and a passed validation that makes the
 * challenge and authorization valid and, for the last open authorization, the order ready.
 */
describe('ACME orders repository on PostgreSQL', () => {
  let db: PrismaClient;
  let orders: OrdersRepository;
  let authorizations: AuthorizationsRepository;
  const accountId = newId('acct');
  const hour = () => new Date(Date.now() + 3600_000);

  beforeAll(async () => {
    db = createPrismaClient({ url: process.env.DATABASE_URL!, poolSize: 8 });
    await db.$connect();
    orders = new OrdersRepository(db as PrismaService);
    authorizations = new AuthorizationsRepository(db as PrismaService);
    await db.acmeAccount.create({
      data: { id: accountId, profileId: 'prof-standard-tls', keyThumbprint: `tp-${accountId}`, jwk: { kty: 'EC' } },
    });
  });

  afterAll(async () => {
    await db.acmeAccount.deleteMany({ where: { id: accountId } }); // cascades to its orders, authorizations, challenges
    await db.$disconnect();
  });

  function draft(names: string[], trusted = false): NewOrder {
    const orderId = newId('ord');
    const expiresAt = hour();
    const authz = names.map((name) => ({
      id: newId('authz'),
      identifierType: 'dns',
      identifierValue: name.replace(/^\*\./, ''),
      wildcard: name.startsWith('*.'),
      status: trusted ? ('valid' as const) : ('pending' as const),
      expiresAt,
    }));
    return {
      order: {
        id: orderId,
        accountId,
        profileId: 'prof-standard-tls',
        status: trusted ? 'ready' : 'pending',
        identifiers: names.map((value) => ({ type: 'dns', value })),
        expiresAt,
        replaces: null,
      },
      authorizations: authz,
      challenges: authz.flatMap((a) =>
        ['http-01', 'dns-01'].map((type) => ({
          id: newId('chall'),
          authorizationId: a.id,
          type,
          token: `tok-${newId('t')}`,
          status: trusted ? ('valid' as const) : ('pending' as const),
          ...(trusted ? { validatedAt: new Date() } : {}),
        })),
      ),
    };
  }

  /** What ChallengesService.recordSuccess does: lock the order row, then the one statement. */
  function validate(o: NewOrder, authzIndex: number) {
    const authz = o.authorizations[authzIndex];
    const challenge = o.challenges.find((c) => c.authorizationId === authz.id && c.type === 'http-01')!;
    return orders.transaction(async (tx) => {
      await orders.lock(o.order.id, tx);
      return authorizations.recordValidation(
        { challengeId: challenge.id, authorizationId: authz.id, orderId: o.order.id },
        { validatedAt: new Date(), validationRecord: [{ url: `http://${authz.identifierValue}/` }] },
        tx,
      );
    });
  }

  it('ok/an order, its authorizations and their challenges are written by one insert and read back as Prisma rows', async () => {
    const o = draft(['a.example.test', '*.b.example.test']);
    const row = await orders.insert(o);
    const stored = await orders.findById(o.order.id);
    expect(stored).toEqual(row);
    expect(stored).toMatchObject({ status: 'pending', accountId, identifiers: o.order.identifiers, error: null, jobId: null });
    const authz = await db.acmeAuthorization.findMany({
      where: { orderId: o.order.id },
      include: { challenges: true },
      orderBy: { id: 'asc' },
    });
    expect(authz.map((a) => a.id)).toEqual(o.authorizations.map((a) => a.id).sort());
    expect(authz.find((a) => a.wildcard)).toMatchObject({ identifierValue: 'b.example.test', status: 'pending', accountId });
    for (const a of authz) {
      expect(a.expiresAt.getTime()).toBe(o.order.expiresAt.getTime());
      expect(a.challenges.map((c) => c.type).sort()).toEqual(['dns-01', 'http-01']);
      expect(a.challenges.every((c) => c.status === 'pending' && c.validatedAt === null)).toBe(true);
    }
    expect((await authorizations.idsOfOrder(o.order.id)).map((a) => a.id)).toEqual(o.authorizations.map((a) => a.id).sort());
  });

  it('ok/a trusted order is stored ready with valid authorizations and validated challenges', async () => {
    const o = draft(['t.example.test'], true);
    await orders.insert(o);
    const authz = await authorizations.findWithChallenges(o.authorizations[0].id);
    expect((await orders.findById(o.order.id))?.status).toBe('ready');
    expect(authz?.status).toBe('valid');
    expect(authz?.challenges.every((c) => c.status === 'valid' && c.validatedAt instanceof Date)).toBe(true);
  });

  it('fail/an order whose challenge names an authorization it does not have is not written at all', async () => {
    const o = draft(['x.example.test']);
    o.challenges[0].authorizationId = 'authz-elsewhere';
    await expect(orders.insert(o)).rejects.toThrow(); // the foreign key refuses the whole statement
    expect(await orders.findById(o.order.id)).toBeNull();
    expect(await db.acmeAuthorization.count({ where: { orderId: o.order.id } })).toBe(0);
    expect(await db.acmeChallenge.count({ where: { id: { in: o.challenges.map((c) => c.id) } } })).toBe(0);
  });

  it('ok/the first of two authorizations validated leaves the order pending; the second makes it ready', async () => {
    const o = draft(['c.example.test', 'd.example.test']);
    await orders.insert(o);
    for (const c of o.challenges.filter((c) => c.type === 'http-01')) expect(await authorizations.claimChallenge(c.id)).toBe(true);

    const first = await validate(o, 0);
    expect(first.orderReady).toBe(false);
    expect(first.challenge).toMatchObject({ status: 'valid', authorizationId: o.authorizations[0].id, error: null });
    expect(first.challenge.validationRecord).toEqual([{ url: 'http://c.example.test/' }]);
    expect(first.challenge.validatedAt).toBeInstanceOf(Date);
    expect(await db.acmeChallenge.findUnique({ where: { id: first.challenge.id } })).toEqual(first.challenge);
    expect((await orders.findById(o.order.id))?.status).toBe('pending');

    const second = await validate(o, 1);
    expect(second.orderReady).toBe(true);
    expect((await orders.findById(o.order.id))?.status).toBe('ready');
    const authz = await db.acmeAuthorization.findMany({ where: { orderId: o.order.id } });
    expect(authz.every((a) => a.status === 'valid')).toBe(true);
  });

  it('ok/two authorizations of one order validated side by side: exactly one makes the order ready', async () => {
    for (let round = 0; round < 5; round++) {
      const o = draft([`e${round}.example.test`, `f${round}.example.test`, `g${round}.example.test`]);
      await orders.insert(o);
      for (const c of o.challenges.filter((c) => c.type === 'http-01')) await authorizations.claimChallenge(c.id);
      const results = await Promise.all([validate(o, 0), validate(o, 1), validate(o, 2)]);
      expect(results.filter((r) => r.orderReady)).toHaveLength(1);
      expect((await orders.findById(o.order.id))?.status).toBe('ready');
    }
  });

  it('fail/a challenge that is not processing is refused with illegal_transition and changes nothing', async () => {
    const o = draft(['h.example.test']);
    await orders.insert(o);
    // Never claimed: still pending.
    await expect(validate(o, 0)).rejects.toMatchObject({ code: 'illegal_transition' });
    expect((await orders.findById(o.order.id))?.status).toBe('pending');
    expect((await authorizations.findWithChallenges(o.authorizations[0].id))?.status).toBe('pending');
  });

  it('fail/an authorization that is no longer pending (deactivated) is left alone and the order is not made ready', async () => {
    const o = draft(['i.example.test']);
    await orders.insert(o);
    const c = o.challenges.find((x) => x.type === 'http-01')!;
    await authorizations.claimChallenge(c.id);
    await authorizations.transition(o.authorizations[0].id, ['pending'], 'deactivated');
    const out = await validate(o, 0);
    expect(out.orderReady).toBe(false);
    expect((await authorizations.findWithChallenges(o.authorizations[0].id))?.status).toBe('deactivated');
    expect((await orders.findById(o.order.id))?.status).toBe('pending');
  });
});
