import { Client } from 'pg';
import type { EventContract } from '@certctl/contracts';
import { createPrismaClient } from '@certctl/database';
import { enqueueEvent } from '@certctl/messaging';
import { createTestDatabase } from '@certctl/testing';
import { HealthCheckRepository } from '../src/health-checks/health-check.repository';
import { HealthCheckService } from '../src/health-checks/health-check.service';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('health checks on real PostgreSQL', () => {
  let url: string;
  let pg: Client;

  beforeAll(async () => {
    url = await createTestDatabase('certctl_int_health');
    pg = new Client({ connectionString: url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg.end();
  });

  it('ok/30 due checks and 6 concurrent claimers: each check claimed once, and not again within its interval', async () => {
    await pg.query(
      `INSERT INTO health_checks (id, name, host, port, interval_seconds, timeout_ms, updated_at)
       SELECT 'hc-' || g, 'hc-' || g, '127.0.0.1', 443, 60, 1000, now() FROM generate_series(1, 30) g`,
    );
    await pg.query(
      `INSERT INTO health_checks (id, name, host, port, interval_seconds, timeout_ms, enabled, updated_at) VALUES ('hc-off', 'off', '127.0.0.1', 443, 60, 1000, false, now())`,
    );
    const clients = Array.from({ length: 6 }, () => createPrismaClient({ url, poolSize: 2 }));
    try {
      const repos = clients.map((client) => new HealthCheckRepository(client as never));
      const claimed = new Map<string, number>();
      for (;;) {
        const rounds = await Promise.all(repos.map((repo) => repo.claimDue(4)));
        const got = rounds.flatMap((checks, who) => checks.map((check) => [check.id, who] as const));
        if (!got.length) break;
        for (const [id, who] of got) {
          expect(claimed.has(id)).toBe(false);
          claimed.set(id, who);
        }
      }
      expect(claimed.size).toBe(30);
      expect(claimed.has('hc-off')).toBe(false);
      const { rows } = await pg.query(
        `SELECT count(*)::int AS n FROM health_checks WHERE enabled AND next_check_at BETWEEN now() + interval '55 seconds' AND now() + interval '61 seconds'`,
      );
      expect(rows[0].n).toBe(30);
    } finally {
      await Promise.all(clients.map((client) => client.$disconnect()));
    }
  });

  it('ok/a check bound to a certificate expects its current version; results are pruned in batches by age', async () => {
    await pg.query(`INSERT INTO teams (id, name, updated_at) VALUES ('t1', 't1', now())`);
    await pg.query(`INSERT INTO owners (id, name, email, updated_at) VALUES ('o1', 'o1', 'o1@example.com', now())`);
    await pg.query(`INSERT INTO renewal_policies (id, name, updated_at) VALUES ('rp1', 'rp1', now())`);
    await pg.query(`INSERT INTO issuers (id, name, type, updated_at) VALUES ('iss1', 'iss1', 'local', now())`);
    await pg.query(
      `INSERT INTO certificates (id, name, common_name, issuer_id, owner_id, team_id, renewal_policy_id, updated_at)
       VALUES ('c1', 'c1', 'c1.example.com', 'iss1', 'o1', 't1', 'rp1', now())`,
    );
    await pg.query(
      `INSERT INTO certificate_versions (id, certificate_id, issuer_id, serial_number, fingerprint_sha256, certificate_pem, chain_pem, not_before, not_after, key_algorithm, key_size, key_source)
       VALUES ('v1', 'c1', 'iss1', '01', $1, '', '', now(), now() + interval '1 day', 'ECDSA', 256, 'server')`,
      [B],
    );
    await pg.query(`UPDATE certificates SET current_version_id = 'v1' WHERE id = 'c1'`);
    const client = createPrismaClient({ url, poolSize: 2 });
    try {
      const repo = new HealthCheckRepository(client as never);
      // The real outbox write (the relay is not running here): each transition is one row, committed with the probe.
      const emit = jest.fn((tx: Parameters<typeof enqueueEvent>[0], event: EventContract, payload: object) =>
        enqueueEvent(tx, 'inventory', event, payload as never),
      );
      const served = [A, B];
      const prober = async () => ({
        checked_at: new Date().toISOString(),
        ok: true,
        latency_ms: 1,
        served_fingerprint: served.shift()!,
        served_not_after: null,
        error: null,
      });
      const service = new HealthCheckService(repo, { enqueue: emit, wake: jest.fn() } as never, prober);
      const actor = { principal: 'admin', role: 'admin' };
      const check = await service.create({
        actor,
        body: {
          name: 'bound',
          host: 'www.example.test',
          port: 443,
          sni: null,
          expected_fingerprint: null,
          certificate_id: 'c1',
          interval_seconds: 30,
          timeout_ms: 1000,
          enabled: false,
        },
      });
      expect((await service.checkNow({ actor, id: check.id })).check.status).toBe('cert_mismatch');
      expect((await service.checkNow({ actor, id: check.id })).check.status).toBe('healthy');
      expect(emit).toHaveBeenCalledTimes(2);
      const events = await pg.query(
        `SELECT payload->>'from' AS "from", payload->>'to' AS "to" FROM outbox_events WHERE service = 'inventory' AND payload->>'health_check_id' = $1 ORDER BY seq`,
        [check.id],
      );
      expect(events.rows).toEqual([
        { from: 'unknown', to: 'cert_mismatch' },
        { from: 'cert_mismatch', to: 'healthy' },
      ]);

      await pg.query(
        `INSERT INTO health_check_results (check_id, checked_at, ok, status_after)
         SELECT $1, now() - interval '40 days', true, 'healthy' FROM generate_series(1, 250)`,
        [check.id],
      );
      const before = new Date(Date.now() - 30 * 86400000);
      let deleted = 0;
      let batch: number;
      do {
        batch = await repo.pruneResults(before, 100);
        deleted += batch;
      } while (batch === 100);
      expect(deleted).toBe(250);
      const history = await service.history({ id: check.id, limit: 10 });
      expect(history.data.map((row) => row.status_after)).toEqual(['healthy', 'cert_mismatch']);
    } finally {
      await client.$disconnect();
    }
  });
});
