import { Client } from 'pg';
import { Prisma } from '@certctl/database';
import { createTestDatabase } from '@certctl/testing';
import { AgentRepository } from '../src/agents/agent.repository';
import { insertCertificateC1 } from './job-fixtures';

/**
 * Fleet scale: the two queries of every work poll (`GET /api/v1/agents/{id}/work`) read the
 * jobs table through an index, not a scan, with 10,000 jobs of 1,000 agents in it.
 */
/** The jobs(agent_id, status) index (prisma/schema.prisma), scanned directly or as a bitmap. */
const BY_AGENT_INDEX = /Index Scan using jobs_agent_id_status_idx on jobs|Bitmap Index Scan on jobs_agent_id_status_idx/;

describe('agent work poll plans on real PostgreSQL (10,000 jobs)', () => {
  let pg: Client;

  beforeAll(async () => {
    const url = await createTestDatabase('certctl_int_agent_plan');
    pg = new Client({ connectionString: url });
    await pg.connect();
    await insertCertificateC1(pg);
    await pg.query(`INSERT INTO agents (id, name) SELECT 'agent-' || g, 'a' || g FROM generate_series(1, 1000) g`);
    // Mostly history (completed), some pending deployments, some issuance jobs waiting for a CSR.
    await pg.query(
      `INSERT INTO jobs (id, type, status, certificate_id, agent_id, updated_at)
       SELECT 'job-' || g,
              (CASE WHEN g % 10 = 3 THEN 'issuance' ELSE 'deployment' END)::job_type,
              (CASE WHEN g % 10 = 1 THEN 'pending' WHEN g % 10 = 3 THEN 'awaiting_csr' ELSE 'completed' END)::job_status,
              'c1', 'agent-' || (g % 1000 + 1), now()
       FROM generate_series(1, 10000) g`,
    );
    await pg.query('ANALYZE jobs');
  });

  afterAll(async () => {
    await pg.end();
  });

  /** The plan of `sql`, as text lines. */
  async function plan(sql: Prisma.Sql): Promise<string> {
    const { rows } = await pg.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql.text}`, sql.values as unknown[]);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  it('the claim statement the repository sends reads jobs by index', async () => {
    // The repository's own statement, captured as it calls $queryRaw.
    let sent: Prisma.Sql | undefined;
    const db = {
      $queryRaw: async (strings: TemplateStringsArray, ...values: unknown[]) => {
        sent = Prisma.sql(strings, ...values);
        return [];
      },
    };
    await new AgentRepository(db as never).claimDeployments('agent-42', 10);
    expect(sent?.text).toContain('FOR UPDATE SKIP LOCKED');
    const text = await plan(sent!);
    expect(text).toMatch(BY_AGENT_INDEX);
    expect(text).not.toMatch(/Seq Scan on jobs/);
  });

  it('the awaiting_csr listing reads jobs by index', async () => {
    // What `awaitingCsr` asks for (Prisma builds it): the agent's jobs in awaiting_csr, oldest first.
    const text = await plan(
      Prisma.sql`SELECT * FROM jobs WHERE agent_id = ${'agent-42'} AND status = 'awaiting_csr' ORDER BY created_at ASC LIMIT ${10}`,
    );
    expect(text).toMatch(BY_AGENT_INDEX);
    expect(text).not.toMatch(/Seq Scan on jobs/);
  });
});
