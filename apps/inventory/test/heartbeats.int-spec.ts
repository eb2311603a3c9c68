import { Client } from 'pg';
import { createPrismaClient } from '@certctl/database';
import { registry } from '@certctl/observability';
import { createTestDatabase } from '@certctl/testing';
import { AgentRepository } from '../src/agents/agent.repository';
import { AgentService } from '../src/agents/agent.service';

/** Batched heartbeats (one UPDATE … FROM unnest per batch) on real PostgreSQL, through the service as the RPC handler calls it. */
describe('agent heartbeats written in batches on real PostgreSQL', () => {
  let url: string;
  let pg: Client;
  const body = (i: number) => ({
    hostname: `host-${i}.example`,
    os: 'linux',
    architecture: 'amd64',
    version: `1.0.${i}`,
    ip_addresses: [`10.0.0.${i % 250}`, 'fd00::1'],
  });

  beforeAll(async () => {
    url = await createTestDatabase('certctl_int_heartbeats');
    pg = new Client({ connectionString: url });
    await pg.connect();
    await pg.query(
      `INSERT INTO agents (id, name, status) SELECT 'agent-' || g, 'a' || g, (CASE WHEN g = 7 THEN 'retired' ELSE 'offline' END)::agent_status FROM generate_series(1, 300) g`,
    );
    await pg.query(`UPDATE agents SET retired_at = now() WHERE status = 'retired'`);
  });

  afterAll(async () => {
    await pg.end();
  });

  it('ok/300 concurrent heartbeats from two replicas: every live agent online with its own facts, in a few statements; retired and unknown ones not found', async () => {
    const clients = [createPrismaClient({ url, poolSize: 4 }), createPrismaClient({ url, poolSize: 4 })];
    try {
      const replicas = clients.map((c) => new AgentService(new AgentRepository(c as never)));
      const started = new Date(Date.now() - 1000);
      const statements = async () => {
        const metric = await registry.getSingleMetric('certctl_agent_heartbeat_batch_size')?.get();
        return (
          metric?.values.find((v) => (v as { metricName?: string }).metricName === 'certctl_agent_heartbeat_batch_size_count')?.value ?? 0
        );
      };
      const before = await statements();
      const results = await Promise.allSettled(
        [...Array.from({ length: 300 }, (_, i) => i + 1), 999].map((i) =>
          replicas[i % 2].heartbeat({ id: `agent-${i}`, body: body(i) } as never),
        ),
      );
      const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [[i + 1, (r.reason as { code?: string }).code]] : []));
      expect(refused).toEqual([
        [7, 'not_found'],
        [301, 'not_found'], // agent-999: no such agent
      ]);
      expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<unknown>).value)[0]).toEqual({
        id: 'agent-1',
        status: 'online',
      });
      const { rows } = await pg.query(
        `SELECT id, status, hostname, version, ip_addresses, last_heartbeat_at FROM agents WHERE id IN ('agent-1', 'agent-7', 'agent-250') ORDER BY id`,
      );
      expect(rows.map((r) => [r.id, r.status, r.hostname, r.version, r.ip_addresses])).toEqual([
        ['agent-1', 'online', 'host-1.example', '1.0.1', ['10.0.0.1', 'fd00::1']],
        ['agent-250', 'online', 'host-250.example', '1.0.250', ['10.0.0.0', 'fd00::1']],
        ['agent-7', 'retired', '', '', []],
      ]);
      expect(rows[0].last_heartbeat_at.getTime()).toBeGreaterThan(started.getTime());
      const online = await pg.query(`SELECT count(*)::int AS n FROM agents WHERE status = 'online' AND last_heartbeat_at >= $1`, [started]);
      expect(online.rows[0].n).toBe(299);
      // 301 heartbeats, far fewer UPDATEs: each replica writes what arrived together as one.
      const written = (await statements()) - before;
      expect(written).toBeGreaterThanOrEqual(2);
      expect(written).toBeLessThan(30);
    } finally {
      await Promise.all(clients.map((c) => c.$disconnect()));
    }
  });
});
