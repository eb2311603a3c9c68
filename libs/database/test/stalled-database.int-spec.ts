import pg from 'pg';
import { FaultProxy } from '@certctl/testing';
import { isDatabaseUnavailable } from '@certctl/contracts';
import { createPrismaClient, poolConfig } from '../src/prisma.service';

/**
 * A stalled PostgreSQL (a network partition: the connection stays open, nothing comes back),
 * through a fault proxy in front of the real server: a query fails after the query timeout as a
 * database outage instead of hanging, and the connection it hung on is never used again.
 */
describe('a stalled database', () => {
  let proxy: FaultProxy;
  let url: string;

  beforeAll(async () => {
    const direct = new URL(process.env.DATABASE_URL!);
    proxy = new FaultProxy({ upstreamHost: direct.hostname, upstreamPort: Number(direct.port) });
    await proxy.listen();
    direct.host = `127.0.0.1:${proxy.port}`;
    url = direct.toString();
  });

  afterEach(() => proxy.setMode({ mode: 'pass' }));
  afterAll(() => proxy.close());

  it('ok/a Prisma query fails within the query timeout as an outage, and works again once the stall ends', async () => {
    const env = { CERTCTL_DATABASE_QUERY_TIMEOUT_MS: '1000' };
    const saved = process.env.CERTCTL_DATABASE_QUERY_TIMEOUT_MS;
    process.env.CERTCTL_DATABASE_QUERY_TIMEOUT_MS = env.CERTCTL_DATABASE_QUERY_TIMEOUT_MS;
    const prisma = createPrismaClient({ url, poolSize: 2 });
    process.env.CERTCTL_DATABASE_QUERY_TIMEOUT_MS = saved;
    try {
      await prisma.$queryRaw`SELECT 1`;
      proxy.setMode({ mode: 'stall' });
      const t0 = Date.now();
      const err = await prisma.$queryRaw`SELECT 2`.then(
        () => undefined,
        (e: unknown) => e,
      );
      const ms = Date.now() - t0;
      expect(err).toBeDefined();
      expect(isDatabaseUnavailable(err)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(3000);
      // An interactive transaction meets the stall too, and fails within the bound.
      const t1 = Date.now();
      const txErr = await prisma
        .$transaction(async (tx) => {
          await tx.$queryRaw`SELECT 3`;
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(txErr).toBeDefined();
      expect(Date.now() - t1).toBeLessThan(8000);
      proxy.setMode({ mode: 'pass' });
      await expect(prisma.$queryRaw<{ n: number }[]>`SELECT 4::int AS n`).resolves.toEqual([{ n: 4 }]);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('ok/a connection whose query timed out is closed, so the pool never hands it out again', async () => {
    const pool = new pg.Pool(poolConfig({ url, poolSize: 1 }, { CERTCTL_DATABASE_QUERY_TIMEOUT_MS: '500' }));
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      client.on('error', () => undefined);
      await client.query('SELECT 1');
      proxy.setMode({ mode: 'stall' });
      await expect(client.query('SELECT pg_backend_pid()')).rejects.toThrow('Query read timeout');
      await new Promise((resolve) => setImmediate(resolve));
      expect((client as unknown as { _ending: boolean })._ending).toBe(true);
      client.release();
      expect(pool.totalCount).toBe(0);
      proxy.setMode({ mode: 'pass' });
      // The only slot of the pool is free: a fresh connection answers at once.
      const t0 = Date.now();
      await expect(pool.query('SELECT 5::int AS n')).resolves.toMatchObject({ rows: [{ n: 5 }] });
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await pool.end();
    }
  });

  it('ok/the pool config: bounded connect and query waits, keepalive', () => {
    expect(poolConfig({ url: 'postgresql://x@127.0.0.1/db' }, {})).toMatchObject({
      max: 10,
      connectionTimeoutMillis: 5000,
      query_timeout: 30000,
      keepAlive: true,
    });
    expect(poolConfig({ url: 'postgresql://x@127.0.0.1/db', poolSize: 3 }, { CERTCTL_DATABASE_QUERY_TIMEOUT_MS: '7000' })).toMatchObject({
      max: 3,
      query_timeout: 7000,
    });
  });
});
