import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Balancer } from '@certctl/testing';
import { E2E_DIR, readState } from '../e2e-env';
import { api, waitFor } from '../http';
import { WebhookReceiver, expectNotifiedOnce, expectRenewedOnce, jobCounts, prepareRenewals } from './renewal-workload';
import { SERVICE_NAMES, TwoReplicas, metricValue } from './replica-support';

/**
 * Two replicas of every service at once (docs/reliability.md, "Replicas"): the stack's own and a
 * second one of each, the gateway's two behind a round-robin balancer with readiness checks (what a
 * Kubernetes Service does). A bulk renewal of many certificates is done once per job and shared by
 * both issuance replicas; the scheduler's loops run once per tick; an API key disabled through one
 * gateway replica is refused by the other on the next request; and each service restarted one
 * replica at a time (SIGTERM) under a steady stream of requests and renewals fails no request at the
 * balancer. The figures go to <data dir>/e2e/replicas.json.
 *
 * CERTCTL_REPLICA_JOBS: renewals of the bulk round (default 10,000; 10 × CERTCTL_FAULTS_CERTIFICATES
 * when that is set, as in `npm test`, which sets 300).
 */
const fromFaults = process.env.CERTCTL_FAULTS_CERTIFICATES ? 10 * Number(process.env.CERTCTL_FAULTS_CERTIFICATES) : 10000;
const N = Number(process.env.CERTCTL_REPLICA_JOBS ?? fromFaults);
/** Certificates the renewer may renew while services restart (it renews fewer when the restarts are quick). */
const ROLLING_POOL = 4000;
/**
 * What every replica started or restarted here runs with, beside the stack's environment: after
 * SIGTERM a gateway keeps serving 1 s with readiness 503 (the balancer probes every 250 ms), and the
 * RPC timeout is production's default 5 s instead of the e2e stack's 2 s (a fast failure for the
 * functional suites; this machine's load average reaches 20 while other stacks run).
 */
const REPLICA_ENV = { CERTCTL_SHUTDOWN_DRAIN_MS: '1000', CERTCTL_NATS_TIMEOUT_MS: '5000' };
const run = Date.now().toString(36);
const prefix = `rpl${run}`;
const policyId = `rp-replicas-${run}`;
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`two replicas of every service (${N} renewals)`, () => {
  let db: Client;
  let replicas: TwoReplicas;
  let balancer: Balancer;
  let lb = '';
  const figures: Record<string, unknown> = { jobs: N, machine: { cpus: cpus().length } };
  const receiver = new WebhookReceiver();
  const sql = async <T extends object>(text: string, values: unknown[] = []) => (await db.query<T>(text, values)).rows;
  const ids = async (group: string) =>
    (await sql<{ id: string }>(`SELECT id FROM certificates WHERE id LIKE $1 ORDER BY id`, [`cert-${prefix}${group}-%`])).map((r) => r.id);

  /** A request through the balancer, with the admin key unless `key` says otherwise. */
  const viaLb = async (method: string, path: string, body?: unknown, key = readState().adminKey) => {
    const res = await fetch(`${lb}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(60000),
    });
    const text = await res.text();
    return { status: res.status, text };
  };

  /**
   * Bulk renewal through the balancer, in requests of at most 500 ids (the gateway's body limit).
   * A request the busy platform answers 5xx (inventory's database pool gave no transaction within
   * 2 s while the earlier batches' renewals run) is sent again after 2 s, as a client would: a
   * certificate whose renewal the first attempt did start is skipped, and the checks below count one
   * job per certificate. Answers the requests sent again.
   */
  const bulkRenew = async (certificateIds: string[]) => {
    const again: string[] = [];
    for (let i = 0; i < certificateIds.length; i += 500) {
      for (let attempt = 1; ; attempt++) {
        const r = await viaLb('POST', '/api/v1/certificates/bulk-renew', { ids: certificateIds.slice(i, i + 500) });
        if (r.status < 300) break;
        if (r.status < 500 || attempt === 5) expect(`${r.status} ${r.text}`).toBe('accepted');
        again.push(`${r.status} ${r.text.slice(0, 200)}`);
        await sleep(2000);
      }
    }
    return again;
  };

  /**
   * Every job of `certificateIds` created since `since` is final: each certificate renewed exactly
   * once (one job, completed; one new version; one signed certificate) and its certificate.issued
   * notification sent and delivered to the receiver. Answers the deliveries that came twice.
   */
  const expectDoneOnce = async (certificateIds: string[], since: Date, timeoutMs: number) => {
    const n = certificateIds.length;
    const final = await waitFor(
      async () => {
        const counts = await jobCounts(sql, certificateIds, since);
        const open = Object.keys(counts).filter((status) => !['completed', 'failed', 'cancelled'].includes(status));
        return open.length === 0 && Object.values(counts).reduce((a, b) => a + b, 0) >= n ? counts : undefined;
      },
      timeoutMs,
      `all ${n} renewal jobs to be final`,
      1000,
    );
    expect(final).toEqual({ completed: n });
    const jobs = await sql<{ n: number; certs: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT certificate_id)::int AS certs FROM jobs WHERE certificate_id = ANY($1) AND created_at >= $2`,
      [certificateIds, since],
    );
    expect(jobs[0]).toEqual({ n, certs: n });
    await expectRenewedOnce(sql, certificateIds, since);
    return expectNotifiedOnce(sql, receiver, certificateIds, since, { timeoutMs: 180000, what: '', intervalMs: 1000 });
  };

  beforeAll(async () => {
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    await prepareRenewals({
      query: sql,
      policyId,
      name: `replicas-${run}`,
      receiverUrl: await receiver.start(),
      batches: [
        { prefix: `${prefix}bulk`, count: N },
        { prefix: `${prefix}roll`, count: ROLLING_POOL },
      ],
    });
    const t0 = Date.now();
    replicas = await TwoReplicas.start(REPLICA_ENV);
    figures.second_replicas_ready_s = seconds(Date.now() - t0);
    // The first gateway replica too runs with the drain delay and the RPC timeout of production.
    await replicas.restart('gateway', 1);
    balancer = replicas.gatewayBalancer();
    lb = await balancer.start();
    expect(balancer.inRotation()).toHaveLength(2);
  }, 600000);

  afterAll(async () => {
    writeFileSync(join(E2E_DIR, 'replicas.json'), `${JSON.stringify(figures, null, 2)}\n`);
    await balancer?.stop();
    await replicas?.stop();
    await receiver.close();
    await db?.end().catch(() => undefined);
  }, 120000);

  it('ok/an API key disabled through one gateway replica is refused by the other on its very next request', async () => {
    const created = await api('POST', '/api/v1/api-keys', { body: { name: `replicas-${run}`, role: 'viewer' } });
    expect(created.status).toBe(201);
    const { id, key } = created.body as { id: string; key: string };
    const at = async (index: 1 | 2, k: string) =>
      (
        await fetch(`${replicas.url('gateway', index)}/api/v1/certificates?limit=1`, {
          headers: { authorization: `Bearer ${k}` },
          signal: AbortSignal.timeout(30000),
        })
      ).status;
    // Both replicas verify the key and keep it in memory (for minutes without the bus).
    expect([await at(1, key), await at(2, key), await at(1, key), await at(2, key)]).toEqual([200, 200, 200, 200]);
    const disabled = await fetch(`${replicas.url('gateway', 1)}/api/v1/api-keys/${id}/disable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readState().adminKey}` },
    });
    expect(disabled.status).toBe(200);
    expect(await at(2, key)).toBe(401);
    expect(await at(1, key)).toBe(401);
    // Through the balancer (both replicas in turn): refused every time.
    const through = await Promise.all(Array.from({ length: 6 }, () => viaLb('GET', '/api/v1/certificates?limit=1', undefined, key)));
    expect(through.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401]);
    const enabled = await fetch(`${replicas.url('gateway', 2)}/api/v1/api-keys/${id}/enable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readState().adminKey}` },
    });
    expect(enabled.status).toBe(200);
    expect([await at(1, key), await at(2, key)]).toEqual([200, 200]);
  });

  it('ok/each scheduler loop runs on one replica once per tick; the other skips it', async () => {
    const runs = async (index: 1 | 2) => {
      const text = await replicas.metrics('scheduler', index);
      const loops = [...new Set([...text.matchAll(/certctl_scheduler_loop_runs_total\{[^}]*loop="([^"]+)"/g)].map((m) => m[1]!))];
      return Object.fromEntries(
        loops.map((loop) => [
          loop,
          {
            ran:
              metricValue(text, 'certctl_scheduler_loop_runs_total', { loop, result: 'ok' }) +
              metricValue(text, 'certctl_scheduler_loop_runs_total', { loop, result: 'failed' }),
            skipped: metricValue(text, 'certctl_scheduler_loop_runs_total', { loop, result: 'skipped' }),
          },
        ]),
      ) as Record<string, { ran: number; skipped: number }>;
    };
    const before = [await runs(1), await runs(2)];
    const t0 = Date.now();
    await sleep(12000);
    const after = [await runs(1), await runs(2)];
    const windowMs = Date.now() - t0;
    const delta = (i: 0 | 1, loop: string, k: 'ran' | 'skipped') => (after[i]![loop]?.[k] ?? 0) - (before[i]![loop]?.[k] ?? 0);
    const env = readState().env;
    // The loops every 1 s in the e2e stack: renewal, expiry alerts, health checks, network scan, reissuance.
    const everySecond: Record<string, string | undefined> = {
      renewal: env.CERTCTL_SCHEDULER_RENEWAL_INTERVAL_MS,
      'expiry-alerts': env.CERTCTL_SCHEDULER_EXPIRY_ALERT_INTERVAL_MS,
      'job-reaper': env.CERTCTL_SCHEDULER_JOB_REAPER_INTERVAL_MS,
      'crl-refresh': env.CERTCTL_SCHEDULER_CRL_REFRESH_INTERVAL_MS,
    };
    const table: Record<string, unknown> = {};
    for (const [loop, interval] of Object.entries(everySecond)) {
      const ran = [delta(0, loop, 'ran'), delta(1, loop, 'ran')];
      const skipped = [delta(0, loop, 'skipped'), delta(1, loop, 'skipped')];
      table[loop] = { interval_ms: Number(interval), ran_per_replica: ran, skipped_per_replica: skipped };
      // One replica holds the lease and runs it; the other tries on its own tick and skips.
      expect({ loop, holders: ran.filter((n) => n > 0).length }).toEqual({ loop, holders: 1 });
      const holder = ran[0]! > 0 ? 0 : 1;
      expect({ loop, otherSkipped: skipped[1 - holder]! > 0 }).toEqual({ loop, otherSkipped: true });
      // Once per tick (a run never overlaps itself: the next starts an interval after the last ended).
      expect(ran[holder]!).toBeLessThanOrEqual(Math.ceil(windowMs / Number(interval)) + 1);
    }
    const leases = await sql<{ name: string; holders: number }>(
      `SELECT name, count(DISTINCT holder)::int AS holders FROM scheduler_leases WHERE name LIKE 'loop:%' AND expires_at > now() GROUP BY 1`,
    );
    expect(leases.length).toBeGreaterThan(0);
    expect(leases.filter((l) => l.holders !== 1)).toEqual([]);
    figures.scheduler = { window_s: seconds(windowMs), loops: table };
  }, 120000);

  it(`ok/a bulk renewal of ${N} certificates through the balancer is done once per job, shared by both issuance and notifications replicas`, async () => {
    const certificateIds = await ids('bulk');
    expect(certificateIds).toHaveLength(N);
    const issuedBefore = [metricValue(await replicas.metrics('issuance', 1), 'certctl_issuance_total', { result: 'ok' })];
    issuedBefore.push(metricValue(await replicas.metrics('issuance', 2), 'certctl_issuance_total', { result: 'ok' }));
    const sentBefore = [
      metricValue(await replicas.metrics('notifications', 1), 'certctl_notification_attempts_total', { result: 'sent' }),
      metricValue(await replicas.metrics('notifications', 2), 'certctl_notification_attempts_total', { result: 'sent' }),
    ];
    const since = (await sql<{ t: Date }>('SELECT now() AS t'))[0]!.t;
    const t0 = Date.now();
    const resent = await bulkRenew(certificateIds);
    const repeated = await expectDoneOnce(certificateIds, since, 120000 + N * 100);
    const elapsed = Date.now() - t0;
    expect(repeated).toBe(0);
    const issued = [
      metricValue(await replicas.metrics('issuance', 1), 'certctl_issuance_total', { result: 'ok' }) - issuedBefore[0]!,
      metricValue(await replicas.metrics('issuance', 2), 'certctl_issuance_total', { result: 'ok' }) - issuedBefore[1]!,
    ];
    const sent = [
      metricValue(await replicas.metrics('notifications', 1), 'certctl_notification_attempts_total', { result: 'sent' }) - sentBefore[0]!,
      metricValue(await replicas.metrics('notifications', 2), 'certctl_notification_attempts_total', { result: 'sent' }) - sentBefore[1]!,
    ];
    // Both replicas took a share of the work. The counter counts the attempts that signed and
    // recorded a job; an attempt whose completion met a busy inventory (RPC timeout) is counted as
    // an error and its redelivery finds the job done, so the sum can be below N, never above it;
    // issued_certificates above proves one signature per job.
    expect(issued.every((n) => n > 0)).toBe(true);
    expect(issued[0]! + issued[1]!).toBeLessThanOrEqual(N);
    expect(sent.every((n) => n > 0)).toBe(true);
    figures.bulk = {
      jobs: N,
      seconds: seconds(elapsed),
      per_second: Math.round((N / elapsed) * 10000) / 10,
      issued_per_issuance_replica: issued,
      sent_per_notifications_replica: sent,
      webhooks_repeated: repeated,
      bulk_requests_sent_again: resent,
      balancer: JSON.parse(JSON.stringify(balancer.stats)) as unknown,
      load_average: loadavg()[0],
    };
  }, 1200000);

  it('ok/each service restarted one replica at a time under load: no failed request at the balancer, every renewal done once', async () => {
    const pool = await ids('roll');
    const since = (await sql<{ t: Date }>('SELECT now() AS t'))[0]!.t;
    const statsBefore = { ...balancer.stats };
    const failures: string[] = [];
    const counts = { GET: 0, POST: 0 };
    let stopping = false;
    let next = 0;
    const renewed: string[] = [];
    /** One client of a steady stream: GETs over three services, and a bulk renewal of 10 certificates every 3rd request. */
    const client = async (worker: number) => {
      for (let i = 0; !stopping; i++) {
        let method = 'GET';
        let path = ['/api/v1/certificates?limit=5', '/api/v1/issuers', '/api/v1/notification-channels'][(i + worker) % 3]!;
        let body: unknown;
        if (i % 3 === 2 && next < pool.length) {
          const batch = pool.slice(next, next + 10);
          next += batch.length;
          method = 'POST';
          path = '/api/v1/certificates/bulk-renew';
          body = { ids: batch };
          renewed.push(...batch);
        }
        counts[method as 'GET' | 'POST']++;
        try {
          const r = await viaLb(method, path, body);
          if (r.status >= 300) failures.push(`${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
        } catch (err) {
          failures.push(`${method} ${path}: ${(err as Error).message}`);
        }
        await sleep(100);
      }
    };
    const clients = Array.from({ length: 3 }, (_, w) => client(w));
    const restarts: Record<string, unknown>[] = [];
    const t0 = Date.now();
    try {
      await sleep(2000);
      // Services behind the gateway first, the gateway last; each one replica at a time.
      for (const name of [...SERVICE_NAMES.filter((s) => s !== 'gateway'), 'gateway' as const]) {
        for (const index of [1, 2] as const) {
          const r = await replicas.restart(name, index);
          // The balancer takes a restarted gateway replica back once its /ready answers 200.
          if (name === 'gateway')
            await waitFor(async () => balancer.inRotation().length === 2 || undefined, 30000, 'both gateways in rotation');
          restarts.push({ service: name, replica: index, stop_s: seconds(r.stopMs), ready_s: seconds(r.startMs) });
          await sleep(1000);
        }
      }
    } finally {
      stopping = true;
      await Promise.all(clients);
    }
    const rollingMs = Date.now() - t0;
    // The figures first, so the file also says what failed.
    const rolling: Record<string, unknown> = {
      seconds: seconds(rollingMs),
      requests: counts.GET + counts.POST,
      gets: counts.GET,
      posts: counts.POST,
      failed: failures.length,
      failures: failures.map((f) => f.slice(0, 200)),
      renewals: renewed.length,
      balancer_retried: balancer.stats.retried - statsBefore.retried,
      balancer_removals: balancer.stats.removals - statsBefore.removals,
      balancer_failed: balancer.stats.failed - statsBefore.failed,
      restarts,
      load_average: loadavg()[0],
    };
    figures.rolling_restart = rolling;
    expect(failures).toEqual([]);
    expect(renewed.length).toBeGreaterThan(0);
    const repeated = await expectDoneOnce(renewed, since, 300000);
    rolling.webhooks_repeated = repeated;
    expect(repeated).toBe(0);
  }, 1200000);
});
