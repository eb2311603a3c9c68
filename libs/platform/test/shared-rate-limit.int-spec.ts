import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SharedRateLimit } from '../src';

describe('SharedRateLimit on real Redis', () => {
  const redisUrl = `${process.env.REDIS_URL!.replace(/\/\d*$/, '')}/7`;
  const a = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const b = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  afterAll(async () => {
    await a.quit();
    await b.quit();
  });

  it('ok/two replicas share one count per key; the refusal says when to retry; other keys are untouched', async () => {
    const name = `test:${randomUUID()}`;
    const one = new SharedRateLimit(a, name, 3, 60);
    const two = new SharedRateLimit(b, name, 3, 60);
    const seen = [await one.take('198.51.100.7'), await two.take('198.51.100.7'), await one.take('198.51.100.7')];
    expect(seen.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    const refused = await two.take('198.51.100.7');
    expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await one.take('203.0.113.9')).allowed).toBe(true);
  });

  it('ok/refund gives one event back', async () => {
    const limit = new SharedRateLimit(a, `test:${randomUUID()}`, 1, 60);
    expect((await limit.take('k')).allowed).toBe(true);
    await limit.refund('k');
    expect((await limit.take('k')).allowed).toBe(true);
    expect((await limit.take('k')).allowed).toBe(false);
  });

  it('ok/0 points is off; an unreachable Redis lets the event through (fails open)', async () => {
    const off = new SharedRateLimit(a, `test:${randomUUID()}`, 0, 60);
    for (let i = 0; i < 5; i++) expect((await off.take('k')).allowed).toBe(true);
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const limit = new SharedRateLimit(dead, `test:${randomUUID()}`, 1, 60);
    expect((await limit.take('k')).allowed).toBe(true);
    expect(await limit.take('k')).toMatchObject({ allowed: true, failedOpen: true });
    dead.disconnect();
  });
});
