import { Client } from 'pg';
import { createPrismaClient } from '@certctl/database';
import { createTestDatabase } from '@certctl/testing';
import { AgentService } from '../src/agents/agent.service';

describe('agent work claiming on real PostgreSQL', () => {
  let url: string;
  let pg: Client;

  beforeAll(async () => {
    url = await createTestDatabase('certctl_int_claim');
    pg = new Client({ connectionString: url });
    await pg.connect();
    await pg.query(`INSERT INTO teams (id, name, updated_at) VALUES ('t1', 't1', now())`);
    await pg.query(`INSERT INTO owners (id, name, email, updated_at) VALUES ('o1', 'o1', 'o1@example.com', now())`);
    await pg.query(`INSERT INTO renewal_policies (id, name, updated_at) VALUES ('rp1', 'rp1', now())`);
    await pg.query(`INSERT INTO issuers (id, name, type, updated_at) VALUES ('iss1', 'iss1', 'local', now())`);
    await pg.query(
      `INSERT INTO certificates (id, name, common_name, issuer_id, owner_id, team_id, renewal_policy_id, updated_at)
       VALUES ('c1', 'c1', 'c1.example.com', 'iss1', 'o1', 't1', 'rp1', now())`,
    );
    await pg.query(`INSERT INTO agents (id, name) VALUES ('agent-a', 'a'), ('agent-b', 'b')`);
  });

  afterAll(async () => {
    await pg.end();
  });

  it('40 pending jobs and 8 concurrent claimers: every job claimed exactly once, another agent’s jobs untouched', async () => {
    await pg.query(
      `INSERT INTO jobs (id, type, status, certificate_id, agent_id, updated_at)
       SELECT 'job-' || g, 'deployment', 'pending', 'c1', 'agent-a', now() FROM generate_series(1, 40) g`,
    );
    await pg.query(
      `INSERT INTO jobs (id, type, status, certificate_id, agent_id, updated_at) VALUES ('job-b', 'deployment', 'pending', 'c1', 'agent-b', now())`,
    );
    // Eight claimers, each with its own connection pool, as eight replicas would be.
    const clients = Array.from({ length: 8 }, () => createPrismaClient({ url, poolSize: 2 }));
    try {
      const services = clients.map((c) => new AgentService(c as never));
      const claimedBy = new Map<string, number>();
      let rounds = 0;
      for (;;) {
        rounds++;
        const results = await Promise.all(services.map((s) => s.claim('agent-a', 3)));
        const got = results.flatMap((r, i) => r.claimed.map((j) => [j.id, i] as const));
        if (!got.length) break;
        for (const [id, who] of got) {
          expect(claimedBy.has(id)).toBe(false);
          claimedBy.set(id, who);
        }
      }
      expect(claimedBy.size).toBe(40);
      expect(rounds).toBeGreaterThan(1);
      const { rows } = await pg.query(
        `SELECT status, count(*)::int AS n, max(attempts) AS a FROM jobs WHERE agent_id = 'agent-a' GROUP BY status`,
      );
      expect(rows).toEqual([{ status: 'running', n: 40, a: 1 }]);
      const other = await pg.query(`SELECT status FROM jobs WHERE id = 'job-b'`);
      expect(other.rows[0].status).toBe('pending');
    } finally {
      await Promise.all(clients.map((c) => c.$disconnect()));
    }
  });

  it('fail/status reports follow the transition table; a job of another agent is not found', async () => {
    const prisma = createPrismaClient({ url, poolSize: 2 });
    try {
      const svc = new AgentService(prisma as never);
      const done = await svc.reportStatus({ id: 'agent-a', job_id: 'job-1', body: { status: 'completed', result: { deployed: true } } });
      expect(done.status).toBe('completed');
      await expect(svc.reportStatus({ id: 'agent-a', job_id: 'job-1', body: { status: 'running' } })).rejects.toMatchObject({
        code: 'illegal_transition',
      });
      await expect(svc.reportStatus({ id: 'agent-a', job_id: 'job-b', body: { status: 'completed' } })).rejects.toMatchObject({
        code: 'not_found',
      });
      const again = await svc.reportStatus({ id: 'agent-a', job_id: 'job-1', body: { status: 'completed' } });
      expect(again.status).toBe('completed');
    } finally {
      await prisma.$disconnect();
    }
  });
});
