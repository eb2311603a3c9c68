import type { AcmeAccountRow } from '../accounts/accounts.repository';
import type { AcmeConfig } from '../config';
import { AcmeError } from '../protocol/errors';
import type { AcmeRateLimits } from '../protocol/rate-limits';
import type { AcmeProfile } from '../profiles/profile-cache';
import type { AuthorizationsRepository, AuthzRow } from './authorizations.repository';
import type { NewOrder, OrderRow, OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

const account = { id: 'acct-1', eabKeyId: null, profileId: 'prof-1', status: 'valid' } as AcmeAccountRow;
const profile: AcmeProfile = {
  id: 'prof-1',
  authMode: 'challenge',
  eabRequired: false,
  allowInternalNames: false,
  allowedKeyAlgorithms: [],
  sanRules: {} as AcmeProfile['sanRules'],
  isDefault: true,
};
const config = {
  CERTCTL_ACME_RATE_CONCURRENT_ORDERS: 2,
  CERTCTL_ACME_ORDER_TTL_SECONDS: 3600,
  CERTCTL_ACME_AUTHZ_TTL_SECONDS: 600,
} as AcmeConfig;
const tx = { tx: true } as never;

function order(fields: Partial<OrderRow> = {}): OrderRow {
  return {
    id: 'ord-1',
    accountId: 'acct-1',
    status: 'pending',
    expiresAt: new Date(Date.now() + 60_000),
    error: null,
    ...fields,
  } as OrderRow;
}

function setup(orderRow: OrderRow | null = order()) {
  const orders = {
    findById: jest.fn(async () => orderRow),
    findValidBySerial: jest.fn(async () => null as OrderRow | null),
    findReplacementOf: jest.fn(async () => null),
    countOpenOfAccount: jest.fn(async () => 0),
    insert: jest.fn(async (draft: NewOrder) => ({ ...draft.order }) as unknown as OrderRow),
    transition: jest.fn(async () => 1),
    transitionOfAccount: jest.fn(async () => 3),
    transitionExpired: jest.fn(async () => 2),
    transaction: jest.fn(async (fn: (t: never) => Promise<unknown>) => fn(tx)),
  };
  const authorizations = {
    transition: jest.fn(async () => 1),
    expireOverdue: jest.fn(async () => 5),
    findWithChallenges: jest.fn(async () => null as AuthzRow | null),
    idsOfOrder: jest.fn(async (_orderId: string) => [{ id: 'authz-a' }, { id: 'authz-b' }]),
  };
  const limits = { take: jest.fn(async () => undefined) } as unknown as AcmeRateLimits;
  const service = new OrdersService(orders as unknown as OrdersRepository, authorizations as unknown as AuthorizationsRepository, config);
  return { service, orders, authorizations, limits };
}

async function acmeTypeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(AcmeError);
    return (e as AcmeError).type;
  }
  return 'no error';
}

describe('OrdersService (fake repositories)', () => {
  it('ok/a new order starts pending with one pending authorization per identifier and its challenges', async () => {
    const { service, orders, limits } = setup();
    const payload = {
      identifiers: [
        { type: 'dns', value: 'www.example.com' },
        { type: 'dns', value: '*.example.com' },
      ],
    };
    const { order: created, authz } = await service.newOrder(account, payload, profile, limits);
    expect(created.status).toBe('pending');
    expect(authz).toHaveLength(2);
    const draft = orders.insert.mock.calls[0][0];
    expect(draft.authorizations.map((a) => [a.identifierValue, a.wildcard, a.status])).toEqual([
      ['www.example.com', false, 'pending'],
      ['example.com', true, 'pending'],
    ]);
    expect(draft.challenges.filter((c) => c.authorizationId === draft.authorizations[1].id).map((c) => c.type)).toEqual(['dns-01']);
    expect(limits.take).toHaveBeenCalledWith('orders', 'acct-1');
  });

  it('ok/an account bound to this trusting profile gets a ready order with valid authorizations', async () => {
    const { service, orders, limits } = setup();
    const trusted = { ...account, eabKeyId: 'kid-1' } as AcmeAccountRow;
    const result = await service.newOrder(
      trusted,
      { identifiers: [{ type: 'dns', value: 'a.example.com' }] },
      { ...profile, authMode: 'trust_authenticated' },
      limits,
    );
    expect(result.order.status).toBe('ready');
    const draft = orders.insert.mock.calls[0][0];
    expect(draft.authorizations[0].status).toBe('valid');
    expect(draft.challenges.every((c) => c.status === 'valid' && c.validatedAt instanceof Date)).toBe(true);
  });

  it('fail/too many open orders is rateLimited before anything is stored', async () => {
    const { service, orders, limits } = setup();
    orders.countOpenOfAccount.mockResolvedValue(2);
    expect(await acmeTypeOf(service.newOrder(account, { identifiers: [{ type: 'dns', value: 'a.example.com' }] }, profile, limits))).toBe(
      'rateLimited',
    );
    expect(orders.insert).not.toHaveBeenCalled();
  });

  it('fail/notBefore is refused as malformed', async () => {
    const { service, limits } = setup();
    const payload = { identifiers: [{ type: 'dns', value: 'a.example.com' }], notBefore: '2030-01-01T00:00:00Z' };
    expect(await acmeTypeOf(service.newOrder(account, payload, profile, limits))).toBe('malformed');
  });

  it('fail/an order of another account is unauthorized; a missing one is a 404', async () => {
    expect(await acmeTypeOf(setup(order({ accountId: 'acct-2' })).service.order('ord-1', account))).toBe('unauthorized');
    const missing = setup(null).service.order('ord-1', account);
    await expect(missing).rejects.toMatchObject({ type: 'malformed', status: 404 });
  });

  it('ok/an unfinished order read after its expiry becomes invalid through the transition table', async () => {
    const { service, orders } = setup(order({ status: 'ready', expiresAt: new Date(Date.now() - 1000) }));
    const read = await service.order('ord-1', account);
    expect(read.status).toBe('invalid');
    expect(orders.transition).toHaveBeenCalledWith('ord-1', ['ready'], 'invalid', {
      error: expect.objectContaining({ detail: 'the order expired' }),
    });
  });

  it('ok/a valid order past its expiry stays valid', async () => {
    const { service, orders } = setup(order({ status: 'valid', expiresAt: new Date(Date.now() - 1000) }));
    expect((await service.order('ord-1', account)).status).toBe('valid');
    expect(orders.transition).not.toHaveBeenCalled();
  });

  it('ok/deactivating an authorization invalidates its unfinished order in one transaction', async () => {
    const { service, orders, authorizations } = setup();
    const authz = { id: 'authz-1', orderId: 'ord-1', status: 'valid' } as AuthzRow;
    expect((await service.deactivateAuthz(authz)).status).toBe('deactivated');
    expect(authorizations.transition).toHaveBeenCalledWith('authz-1', ['valid'], 'deactivated', tx);
    expect(orders.transition).toHaveBeenCalledWith('ord-1', ['pending', 'ready'], 'invalid', { error: expect.any(Object) }, tx);
  });

  it('fail/an expired authorization cannot be deactivated', async () => {
    const { service, orders } = setup();
    expect(await acmeTypeOf(service.deactivateAuthz({ id: 'authz-1', status: 'expired' } as AuthzRow))).toBe('malformed');
    expect(orders.transaction).not.toHaveBeenCalled();
  });

  it('ok/garbage collection reports what it expired', async () => {
    const { service, orders } = setup();
    expect(await service.collectGarbage()).toEqual({ orders_expired: 2, authorizations_expired: 5 });
    expect(orders.transitionExpired).toHaveBeenCalledWith(expect.any(Date), ['pending', 'ready'], 'invalid', { error: expect.any(Object) });
  });

  it('fail/replacing a certificate of another account is unauthorized', async () => {
    const { service, orders, limits } = setup();
    orders.findValidBySerial.mockResolvedValue(order({ accountId: 'acct-2', status: 'valid' }));
    const payload = { identifiers: [{ type: 'dns', value: 'a.example.com' }], replaces: 'AAAA.AQID' };
    expect(await acmeTypeOf(service.newOrder(account, payload, profile, limits))).toBe('unauthorized');
  });
});

describe("an order's authorization ids (listed in every order answer)", () => {
  const dnsProfile = { ...profile, allowInternalNames: true };

  it('ok/the ids of an order this replica created are answered without reading the database', async () => {
    const { service, authorizations, limits } = setup();
    const { order: created, authz } = await service.newOrder(
      account,
      {
        identifiers: [
          { type: 'dns', value: 'a.example.test' },
          { type: 'dns', value: 'b.example.test' },
        ],
      },
      dnsProfile,
      limits,
    );
    expect(authz).toHaveLength(2);
    expect(await service.authzIds(created.id)).toEqual(authz);
    expect(authorizations.idsOfOrder).not.toHaveBeenCalled();
  });

  it('ok/the ids of an order created elsewhere are read once, then remembered', async () => {
    const { service, authorizations } = setup();
    expect(await service.authzIds('ord-other')).toEqual([{ id: 'authz-a' }, { id: 'authz-b' }]);
    expect(await service.authzIds('ord-other')).toEqual([{ id: 'authz-a' }, { id: 'authz-b' }]);
    expect(authorizations.idsOfOrder).toHaveBeenCalledTimes(1);
    expect(authorizations.idsOfOrder).toHaveBeenCalledWith('ord-other');
  });

  it('fail/an order without authorizations (not found) is not remembered: the next answer reads again', async () => {
    const { service, authorizations } = setup();
    authorizations.idsOfOrder.mockResolvedValue([]);
    expect(await service.authzIds('ord-missing')).toEqual([]);
    expect(await service.authzIds('ord-missing')).toEqual([]);
    expect(authorizations.idsOfOrder).toHaveBeenCalledTimes(2);
  });

  it('ok/at most 10,000 orders are remembered: the oldest is read again, the newest is not', async () => {
    const { service, authorizations } = setup();
    for (let i = 0; i <= 10_000; i++) await service.authzIds(`ord-${i}`);
    expect(authorizations.idsOfOrder).toHaveBeenCalledTimes(10_001);
    await service.authzIds('ord-10000');
    expect(authorizations.idsOfOrder).toHaveBeenCalledTimes(10_001);
    await service.authzIds('ord-0');
    expect(authorizations.idsOfOrder).toHaveBeenCalledTimes(10_002);
  });
});
