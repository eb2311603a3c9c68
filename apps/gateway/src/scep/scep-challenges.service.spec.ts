import { createHash } from 'node:crypto';
import type { RpcClient } from '@certctl/messaging';
import { raRotationDue } from './scep-ra.service';
import { ScepChallengesService } from './scep-challenges.service';
import type { ScepRepository } from './scep.repository';

const profile = (challenge?: string) =>
  ({ id: 'enp-1', label: 'demo', protocol: 'scep', enabled: true, settings: challenge ? { challenge_password: challenge } : {} }) as never;

describe('SCEP challenge passwords', () => {
  const spent: string[] = [];
  const repository = {
    consumeChallenge: jest.fn(async (_profile: string, hash: string) => {
      const live = hash === createHash('sha256').update('one-time-challenge').digest('hex') && !spent.includes(hash);
      if (live) spent.push(hash);
      return live;
    }),
  };
  const service = new ScepChallengesService(repository as unknown as ScepRepository, {} as RpcClient);

  it('ok/the static challenge of the profile is accepted without spending anything', async () => {
    await expect(service.accept(profile('static-challenge-123'), 'static-challenge-123')).resolves.toBe('static');
    expect(repository.consumeChallenge).not.toHaveBeenCalled();
  });

  it('ok/a live one-time challenge is accepted once, looked up by its SHA-256 only', async () => {
    await expect(service.accept(profile('static-challenge-123'), 'one-time-challenge')).resolves.toBe('dynamic');
    await expect(service.accept(profile(), 'one-time-challenge')).resolves.toBeNull();
    expect(repository.consumeChallenge.mock.calls.every(([, hash]) => /^[0-9a-f]{64}$/.test(hash))).toBe(true);
  });

  it('err/no challenge, a wrong one, or a prefix of the static one is refused', async () => {
    await expect(service.accept(profile('static-challenge-123'), undefined)).resolves.toBeNull();
    await expect(service.accept(profile('static-challenge-123'), 'static-challenge-12')).resolves.toBeNull();
    await expect(service.accept(profile(), '')).resolves.toBeNull();
  });
});

describe('SCEP RA rotation point', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('ok/an RA with 30 days or more left is kept; fewer than 30 days left is rotated', () => {
    expect(raRotationDue(new Date('2026-07-01T00:00:00Z'), now)).toBe(false);
    expect(raRotationDue(new Date('2026-06-30T23:59:00Z'), now)).toBe(true);
    expect(raRotationDue(new Date('2026-05-31T00:00:00Z'), now)).toBe(true);
  });
});
