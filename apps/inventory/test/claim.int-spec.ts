import { Client } from 'pg';
import { createPrismaClient } from '@certctl/database';
import { createTestDatabase } from '@certctl/testing';
import { AgentRepository } from '../src/agents/agent.repository';
import { AgentService } from '../src/agents/agent.service';
import { JobReaperRepository } from '../src/jobs/job-reaper.repository';
import { JobReaper } from '../src/jobs/job-reaper.service';
import { insertCertificateC1 } from './job-fixtures';

describe('agent work claiming on real PostgreSQL', () => {
  let url: string;
  let pg: Client;

  beforeAll(async () => {
    url = await createTestDatabase('certctl_int_claim');
    pg = new Client({ connectionString: url });
    await pg.connect();
    await insertCertificateC1(pg);
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
      const services = clients.map((c) => new AgentService(new AgentRepository(c as never)));
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
      const svc = new AgentService(new AgentRepository(prisma as never));
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

  it('the reaper retries stale running jobs with attempts left, fails the rest, and expires waits — once, even with two reapers', async () => {
    const old = "now() - interval '2 hours'";
    await pg.query(`INSERT INTO jobs (id, type, status, certificate_id, attempts, max_attempts, updated_at) VALUES
      ('r-retry', 'issuance', 'running', 'c1', 1, 3, ${old}),
      ('r-dead', 'issuance', 'running', 'c1', 3, 3, ${old}),
      ('r-fresh', 'issuance', 'running', 'c1', 1, 3, now()),
      ('r-csr', 'issuance', 'awaiting_csr', 'c1', 0, 3, ${old}),
      ('r-approval', 'issuance', 'awaiting_approval', 'c1', 0, 3, ${old}),
      ('r-done', 'issuance', 'completed', 'c1', 1, 3, ${old})`);
    const hourAgo = new Date(Date.now() - 3600000);
    const cutoffs = { runningBefore: hourAgo, awaitingCsrBefore: hourAgo, awaitingApprovalBefore: hourAgo };
    const clients = [createPrismaClient({ url, poolSize: 2 }), createPrismaClient({ url, poolSize: 2 })];
    try {
      const results = await Promise.all(clients.map((c) => new JobReaper(new JobReaperRepository(c as never)).reap(cutoffs)));
      const total = (k: keyof (typeof results)[0]) => results.reduce((n, r) => n + r[k], 0);
      expect({
        retried: total('retried'),
        failed: total('failed'),
        csr: total('csrTimedOut'),
        approval: total('approvalTimedOut'),
      }).toEqual({
        retried: 1,
        failed: 1,
        csr: 1,
        approval: 1,
      });
      const { rows } = await pg.query(`SELECT id, status, last_error FROM jobs WHERE id LIKE 'r-%' ORDER BY id`);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
        'r-approval': 'failed',
        'r-csr': 'failed',
        'r-dead': 'failed',
        'r-done': 'completed',
        'r-fresh': 'running',
        'r-retry': 'pending',
      });
      expect(rows.find((r) => r.id === 'r-csr').last_error).toMatch(/no CSR/);
    } finally {
      await Promise.all(clients.map((c) => c.$disconnect()));
    }
  });
});
