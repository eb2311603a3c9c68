import { type PrismaClient, type PrismaService, createPrismaClient } from '@certctl/database';
import { DigestRepository } from '../src/digest/digest.repository';

/** The digest's once-per-day key on real PostgreSQL: claims race, and a sent day is never claimed again. */
describe('digest ledger (scheduler_digests) on PostgreSQL', () => {
  let db: PrismaClient;
  let ledger: DigestRepository;
  const day = (n: number) => `2031-01-${String(n).padStart(2, '0')}`;
  const HOUR = 3600000;

  beforeAll(async () => {
    db = createPrismaClient({ url: process.env.DATABASE_URL!, poolSize: 12 });
    await db.$connect();
    ledger = new DigestRepository(db as PrismaService);
    await db.$executeRaw`DELETE FROM scheduler_digests WHERE digest_date >= '2031-01-01'::date`;
  });

  afterAll(async () => {
    await db.$executeRaw`DELETE FROM scheduler_digests WHERE digest_date >= '2031-01-01'::date`;
    await db.$disconnect();
  });

  it('ok/ten replicas claiming one day at the same moment: exactly one wins', async () => {
    const won = await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.claim(day(1), `replica-${i}`, HOUR)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('ok/once sent, the day is never claimed again: not by its holder (a restart), not by others, not after the claim lapsed', async () => {
    expect(await ledger.claim(day(2), 'a', HOUR)).toBe(true);
    await ledger.markSent(day(2), 'a', 3, { failed_jobs: 1 });
    expect(await ledger.claim(day(2), 'a', HOUR)).toBe(false);
    expect(await ledger.claim(day(2), 'b', 0)).toBe(false);
    const row = await db.schedulerDigest.findUniqueOrThrow({ where: { digestDate: new Date(`${day(2)}T00:00:00Z`) } });
    expect(row).toMatchObject({ holder: 'a', notifications: 3, summary: { failed_jobs: 1 } });
    expect(row.sentAt).toBeInstanceOf(Date);
    // The next day is its own key.
    expect(await ledger.claim(day(3), 'b', HOUR)).toBe(true);
  });

  it('fail/a released claim (failed attempt) can be claimed by another replica; an unreleased one only after it lapses', async () => {
    expect(await ledger.claim(day(4), 'a', HOUR)).toBe(true);
    expect(await ledger.claim(day(4), 'b', HOUR)).toBe(false);
    await ledger.release(day(4), 'a');
    expect(await ledger.claim(day(4), 'b', HOUR)).toBe(true);

    expect(await ledger.claim(day(5), 'dead-replica', HOUR)).toBe(true);
    await db.$executeRaw`UPDATE scheduler_digests SET claimed_at = now() - interval '2 hours' WHERE digest_date = ${day(5)}::date`;
    expect(await ledger.claim(day(5), 'b', HOUR)).toBe(true);
    // The old holder can no longer mark it sent or release it.
    await ledger.markSent(day(5), 'dead-replica', 1, {});
    await ledger.release(day(5), 'dead-replica');
    const row = await db.schedulerDigest.findUniqueOrThrow({ where: { digestDate: new Date(`${day(5)}T00:00:00Z`) } });
    expect(row).toMatchObject({ holder: 'b', sentAt: null });
  });
});
