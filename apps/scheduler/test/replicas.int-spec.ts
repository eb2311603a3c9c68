import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect } from 'nats';
import { Client } from 'pg';
import { NotificationRpc, QueueName } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { QueueService } from '@certctl/queue';
import {
  ROOT,
  type ServiceProcess,
  createTestDatabase,
  freePort,
  seedFleet,
  startNatsServer,
  startService,
  waitFor,
  waitReady,
} from '@certctl/testing';
import { schedulerModule } from '../src/app.module';
import { schedulerEnvSchema } from '../src/config';
import { LoopsService } from '../src/loops/loops.service';
import { RenewalScanService } from '../src/renewal/renewal-scan.service';

const COUNT = 60;
const DUE_EVERY = 3;
const MANUAL_EVERY = 5;
const APPROVAL_EVERY = 4;
const actor = { principal: 'test-admin', role: 'admin' };

describe('two scheduler replicas on real PostgreSQL, Redis and NATS', () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  const services: ServiceProcess[] = [];
  const replicas: INestApplicationContext[] = [];
  let db: Client;
  let rpc: RpcClient;
  let hook: Server;
  const delivered: string[] = [];
  let redisUrl: string;

  beforeAll(async () => {
    nats = await startNatsServer();
    const databaseUrl = await createTestDatabase('certctl_it_scheduler');
    redisUrl = `${process.env.REDIS_URL!.replace(/\/\d*$/, '')}/6`;
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      NATS_URL: nats.url,
      CERTCTL_BUS_CREDENTIALS_FILE: nats.secretsFile,
      LOG_LEVEL: 'silent',
    };
    const flush = new QueueService({ redisUrl });
    await flush.queue(QueueName.Issuance).obliterate({ force: true });
    await flush.queue(QueueName.Notifications).obliterate({ force: true });
    await flush.onApplicationShutdown();

    // Inventory and notifications run as the real services, from freshly built bundles.
    execFileSync(process.execPath, [join(ROOT, 'tools', 'build', 'build.mjs'), 'inventory', 'notifications'], { stdio: 'inherit' });
    const logDir = join(ROOT, '.local', 'logs', 'it-scheduler');
    for (const name of ['inventory', 'notifications'] as const) {
      const port = await freePort();
      const child = startService(name, {
        env: {
          ...env,
          CERTCTL_ENCRYPTION_KEY: 'integration-test-encryption-key-0123456789',
          LOG_LEVEL: 'info',
          // The test's webhook receiver listens on loopback.
          CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES: 'true',
        },
        port,
        logDir,
      });
      services.push(child);
      await waitReady(`http://127.0.0.1:${port}/ready`, 30000, () => child.exitCode === null);
    }
    // Loops are driven by the test (no timers), so both replicas run at the same moment.
    const sconf = schedulerEnvSchema.parse({
      ...env,
      ...nats.envFor('scheduler'),
      CERTCTL_SCHEDULER_LOOPS: 'none',
      CERTCTL_RENEWAL_JITTER_MAX_MS: '600000',
    });
    for (let i = 0; i < 2; i++) replicas.push(await NestFactory.createApplicationContext(schedulerModule(sconf), { logger: false }));
    await Promise.all(replicas.map((r) => r.init()));

    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    await seedFleet(db, { count: COUNT, prefix: 'ha', dueEvery: DUE_EVERY, manualEvery: MANUAL_EVERY, approvalEvery: APPROVAL_EVERY });
    rpc = new RpcClient(nats.driverOptions(5000));
    await rpc.onModuleInit();

    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        delivered.push((JSON.parse(body) as { id: string }).id);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  }, 60000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await rpc?.onApplicationShutdown();
    await Promise.all(
      services.map(async (c) => {
        if (c.exitCode === null) c.kill('SIGTERM');
        await c.exited;
      }),
    );
    await db?.end();
    await new Promise((r) => hook.close(r));
    await nats?.stop();
  });

  const expected = () => {
    let pending = 0;
    let approval = 0;
    let manual = 0;
    for (let i = 1; i <= COUNT; i++) {
      if (i % DUE_EVERY !== 0) continue;
      if (i % MANUAL_EVERY === 0) manual++;
      else if (i % APPROVAL_EVERY === 0) approval++;
      else pending++;
    }
    return { pending, approval, manual };
  };

  it('ok/concurrent renewal scans on both replicas create each renewal job once (approval profiles → awaiting_approval)', async () => {
    const scans = replicas.map((r) => r.get(RenewalScanService));
    // Bypass the lease: the unique idempotency key alone must prevent duplicates.
    for (let round = 0; round < 3; round++) await Promise.all(scans.map((s) => s.renewalScan()));
    const { rows } = await db.query<{ certificate_id: string; status: string; n: number }>(
      "SELECT certificate_id, status::text AS status, count(*)::int AS n FROM jobs WHERE type = 'renewal' GROUP BY certificate_id, status",
    );
    const exp = expected();
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(exp.pending);
    expect(rows.filter((r) => r.status === 'awaiting_approval')).toHaveLength(exp.approval);
    const queued = await new QueueService({ redisUrl });
    try {
      const jobs = await queued.queue(QueueName.Issuance).getJobs(['delayed', 'waiting']);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(exp.pending);
      // Starts are spread (jitter), not all at one instant.
      expect(new Set(jobs.map((j) => j.opts.delay)).size).toBeGreaterThan(1);
    } finally {
      await queued.onApplicationShutdown();
    }
  });

  it('ok/with the lease, only one replica runs a loop at a time', async () => {
    const results = await Promise.all(replicas.map((r) => r.get(LoopsService).runners.get('renewal')!.runOnce()));
    expect(results.sort()).toEqual(['ok', 'skipped']);
  });

  it('ok/expiry alerts from both replicas reach the webhook once per certificate and threshold', async () => {
    const port = (hook.address() as AddressInfo).port;
    const ch = await rpc.request(NotificationRpc.channelCreate, {
      actor,
      channel: { name: 'ha-hook', type: 'webhook', config: { url: `http://127.0.0.1:${port}/hook` } },
    });
    await rpc.request(NotificationRpc.ruleCreate, {
      actor,
      rule: { name: 'ha-team', team_id: 'team-ha', events: ['certificate.expiring', 'certificate.renewal_due'], channel_ids: [ch.id] },
    });
    const scans = replicas.map((r) => r.get(RenewalScanService));
    for (let round = 0; round < 3; round++) await Promise.all(scans.flatMap((s) => [s.expiryAlertScan(), s.renewalScan()]));
    const due = Math.floor(COUNT / DUE_EVERY);
    const exp = due + expected().manual; // one 14-day expiry alert per due certificate + one renewal-due alert per manual one
    await waitFor(async () => delivered.length >= exp, 20000);
    await new Promise((r) => setTimeout(r, 500));
    expect(delivered).toHaveLength(exp);
    expect(new Set(delivered).size).toBe(exp);
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM notification_events WHERE type = 'certificate.expiring'",
    );
    expect(rows[0]!.n).toBe(due);
  });

  it('ok/agent offline marking and the stale-job reaper go through inventory', async () => {
    await db.query(
      `INSERT INTO agents (id, name, status, last_heartbeat_at) VALUES ('agent-stale', 'stale', 'online', now() - interval '1 hour'), ('agent-fresh', 'fresh', 'online', now())`,
    );
    await db.query(
      `INSERT INTO jobs (id, type, status, certificate_id, attempts, max_attempts, updated_at) VALUES
        ('job-stuck-1', 'issuance', 'running', 'cert-ha-0000001', 1, 3, now() - interval '2 hours'),
        ('job-stuck-2', 'issuance', 'running', 'cert-ha-0000002', 3, 3, now() - interval '2 hours')`,
    );
    const loops = replicas[0]!.get(LoopsService);
    expect(await loops.agentOffline()).toEqual({ marked: 1 });
    expect(await loops.reapJobs()).toEqual({ requeued: 1, failed: 1 });
    const agents = await db.query<{ id: string; status: string }>('SELECT id, status::text AS status FROM agents ORDER BY id');
    expect(agents.rows).toEqual([
      { id: 'agent-fresh', status: 'online' },
      { id: 'agent-stale', status: 'offline' },
    ]);
    const jobs = await db.query<{ id: string; status: string }>(
      "SELECT id, status::text AS status FROM jobs WHERE id LIKE 'job-stuck-%' ORDER BY id",
    );
    expect(jobs.rows.map((r) => r.status)).toEqual(['pending', 'failed']);
  });

  it('ok/expiry status: Active within the window → Expiring, past notAfter → Expired, once, with an event; revoked ones stay', async () => {
    const clone = (id: string, status: string, expires: string) =>
      db.query(
        `INSERT INTO certificates (id, name, common_name, status, issuer_id, owner_id, team_id, renewal_policy_id, expires_at, updated_at)
         SELECT $1, $1, common_name, $2::certificate_status, issuer_id, owner_id, team_id, renewal_policy_id, now() + $3::interval, now()
         FROM certificates WHERE id = 'cert-ha-0000001'`,
        [id, status, expires],
      );
    await clone('exp-past', 'active', '-1 hour');
    await clone('exp-soon', 'active', '5 days');
    await clone('exp-later', 'active', '200 days');
    await clone('exp-revoked', 'revoked', '-1 hour');
    // Listen for the event as any other service would.
    const nc = await connect({ servers: nats.url, user: nats.test.user, pass: nats.test.pass });
    const events: string[] = [];
    const sub = nc.subscribe('certctl.v1.events.certificate.expired');
    void (async () => {
      for await (const m of sub) events.push(new TextDecoder().decode(m.data));
    })();
    const [a, b] = await Promise.all(replicas.map((r) => r.get(LoopsService).expiryStatus()));
    expect(a.expired + b.expired).toBeGreaterThanOrEqual(1);
    const rows = await db.query<{ id: string; status: string }>(
      "SELECT id, status::text AS status FROM certificates WHERE id LIKE 'exp-%' ORDER BY id",
    );
    expect(Object.fromEntries(rows.rows.map((r) => [r.id, r.status]))).toEqual({
      'exp-later': 'active',
      'exp-past': 'expired',
      'exp-revoked': 'revoked',
      'exp-soon': 'expiring',
    });
    // Inventory stored each event (JetStream acknowledged it) before answering, so both replicas'
    // events are routed by now; the flush's round trip comes back behind any routed to us.
    await waitFor(async () => events.some((e) => e.includes('"exp-past"')));
    await nc.flush();
    expect(events.filter((e) => e.includes('"exp-past"'))).toHaveLength(1);
    expect(events.some((e) => e.includes('exp-revoked'))).toBe(false);
    await nc.close();
  });
});
