import type { AcmeAccountRow } from '../accounts/accounts.repository';
import type { AcmeConfig } from '../config';
import type { AcmeRateLimits } from '../protocol/rate-limits';
import type { AuthorizationsRepository, ChallengeRow, ChallengeWithAuthz } from './authorizations.repository';
import { ChallengesService } from './challenges.service';
import type { OrdersRepository } from './orders.repository';

const account = { id: 'acct-1', keyThumbprint: 'tp' } as AcmeAccountRow;
const tx = { tx: true } as never;
const config = {
  CERTCTL_ACME_HTTP01_PORT: 80,
  CERTCTL_ACME_TLSALPN01_PORT: 443,
  CERTCTL_ACME_VALIDATION_TIMEOUT_MS: 1000,
  CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES: false,
} as AcmeConfig;

function challenge(fields: Partial<ChallengeWithAuthz> = {}): ChallengeWithAuthz {
  return {
    id: 'chall-1',
    type: 'http-01',
    token: 'tok',
    status: 'pending',
    authorizationId: 'authz-1',
    authorization: {
      id: 'authz-1',
      orderId: 'ord-1',
      accountId: 'acct-1',
      status: 'pending',
      identifierType: 'dns',
      identifierValue: 'a.example.com',
      wildcard: false,
      expiresAt: new Date(Date.now() + 60_000),
    },
    ...fields,
  } as ChallengeWithAuthz;
}

function setup(found: ChallengeWithAuthz | null = challenge()) {
  const authorizations = {
    findChallengeWithAuthz: jest.fn(async () => found),
    findChallenge: jest.fn(async () => ({ id: 'chall-1', status: 'valid' }) as ChallengeRow),
    claimChallenge: jest.fn(async () => true),
    recordChallengeOutcome: jest.fn(async (id: string, to: string) => ({ id, status: to }) as ChallengeRow),
    transition: jest.fn(async () => 1),
    recordValidation: jest.fn(async (ids: { challengeId: string }) => ({
      challenge: { id: ids.challengeId, status: 'valid' } as ChallengeRow,
      orderReady: true,
    })),
  };
  const orders = {
    transaction: jest.fn(async (fn: (t: never) => Promise<unknown>) => fn(tx)),
    lock: jest.fn(async () => undefined),
    transition: jest.fn(async () => 1),
  };
  const limits = { take: jest.fn(async () => undefined) } as unknown as AcmeRateLimits;
  const service = new ChallengesService(
    authorizations as unknown as AuthorizationsRepository,
    orders as unknown as OrdersRepository,
    config,
  );
  const validate = jest.spyOn(service.validator, 'validate');
  return { service, authorizations, orders, limits, validate };
}

describe('ChallengesService (fake repositories)', () => {
  it('ok/a passed validation makes the challenge and authorization valid and, as the last one, the order ready', async () => {
    const { service, authorizations, orders, limits, validate } = setup();
    validate.mockResolvedValue({ ok: true, validationRecord: [] });
    const out = await service.respond('chall-1', account, limits);
    expect(out).toEqual({ challenge: { id: 'chall-1', status: 'valid' }, authzId: 'authz-1' });
    expect(validate).toHaveBeenCalledWith(expect.objectContaining({ keyAuthorization: 'tok.tp' }));
    expect(orders.lock).toHaveBeenCalledWith('ord-1', tx);
    // The order row is locked before the one statement that records the outcome and may make the order ready.
    expect(orders.lock.mock.invocationCallOrder[0]).toBeLessThan(authorizations.recordValidation.mock.invocationCallOrder[0]);
    expect(authorizations.recordValidation).toHaveBeenCalledWith(
      { challengeId: 'chall-1', authorizationId: 'authz-1', orderId: 'ord-1' },
      { validatedAt: expect.any(Date), validationRecord: [] },
      tx,
    );
  });

  it('ok/the order stays pending while another authorization is open', async () => {
    const { service, authorizations, orders, limits, validate } = setup();
    validate.mockResolvedValue({ ok: true, validationRecord: [] });
    authorizations.recordValidation.mockResolvedValue({ challenge: { id: 'chall-1', status: 'valid' } as ChallengeRow, orderReady: false });
    const out = await service.respond('chall-1', account, limits);
    expect(out.challenge).toEqual({ id: 'chall-1', status: 'valid' });
    expect(orders.transition).not.toHaveBeenCalled();
  });

  it('fail/a failed validation invalidates the authorization and the order with a compound error naming the identifier', async () => {
    const { service, authorizations, orders, limits, validate } = setup();
    validate.mockResolvedValue({ ok: false, problem: { type: 'connection', detail: 'refused' }, validationRecord: [] });
    await service.respond('chall-1', account, limits);
    expect(authorizations.recordChallengeOutcome).toHaveBeenCalledWith(
      'chall-1',
      'invalid',
      { validationRecord: [], error: { type: 'urn:ietf:params:acme:error:connection', detail: 'refused', status: 400 } },
      tx,
    );
    expect(authorizations.transition).toHaveBeenCalledWith('authz-1', ['pending'], 'invalid', tx);
    const [, from, to, outcome] = orders.transition.mock.calls[0] as unknown as [
      string,
      string[],
      string,
      { error: { type: string; subproblems: unknown[] } },
    ];
    expect([from, to]).toEqual([['pending', 'ready'], 'invalid']);
    expect(outcome.error.type).toBe('urn:ietf:params:acme:error:compound');
    expect(outcome.error.subproblems).toEqual([expect.objectContaining({ identifier: { type: 'dns', value: 'a.example.com' } })]);
  });

  it('fail/a validator that throws is a connection problem, not a crash', async () => {
    const { service, authorizations, limits, validate } = setup();
    validate.mockRejectedValue(new Error('socket hang up'));
    await service.respond('chall-1', account, limits);
    const outcome = authorizations.recordChallengeOutcome.mock.calls[0] as unknown as [string, string, { error: { detail: string } }];
    expect(outcome[1]).toBe('invalid');
    expect(outcome[2].error.detail).toBe('validation failed: socket hang up');
  });

  it('ok/a challenge another replica claimed is answered as it is now, without validating', async () => {
    const { service, authorizations, limits, validate } = setup();
    authorizations.claimChallenge.mockResolvedValue(false);
    expect((await service.respond('chall-1', account, limits)).challenge.status).toBe('valid');
    expect(validate).not.toHaveBeenCalled();
  });

  it('fail/a challenge of another account is unauthorized; an expired authorization is refused before the claim', async () => {
    await expect(
      setup(challenge({ authorization: { ...challenge().authorization, accountId: 'acct-2' } })).service.respond(
        'chall-1',
        account,
        {} as AcmeRateLimits,
      ),
    ).rejects.toMatchObject({ type: 'unauthorized' });
    const expired = setup(challenge({ authorization: { ...challenge().authorization, expiresAt: new Date(0) } }));
    await expect(expired.service.respond('chall-1', account, expired.limits)).rejects.toMatchObject({ type: 'malformed' });
    expect(expired.authorizations.claimChallenge).not.toHaveBeenCalled();
  });
});
