import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import type { DigestContent } from '@certctl/contracts';
import { type ServiceProcess, freePort, startHttpReceiver, startService, startSmtpReceiver, waitReady } from '@certctl/testing';
import { readState } from './e2e-env';
import { api, validCertificate, waitFor } from './http';

const SECRET = 'e2e-digest-signing-secret';

interface Counts {
  expiring_7: number;
  expiring_30: number;
  failed_24h: number;
  awaiting_approval: number;
  dead: number;
  agents_offline: number;
}

/**
 * The daily digest against the running stack. The shared stack's scheduler has the digest
 * off (the default); this suite starts its own scheduler replicas with only the digest loop,
 * due at once (hour 0 UTC) and checked every second, after its channels and rule exist.
 */
describe('daily digest end to end', () => {
  const suffix = Date.now().toString(36);
  const state = readState();
  const db = new Client({ connectionString: state.env.DATABASE_URL });
  const hooks: { body: string; signature: string; timestamp: string }[] = [];
  const replicas: { child: ServiceProcess; port: number }[] = [];
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let expiringCertId: string;
  let expiringName: string;

  /**
   * POST a new resource, expecting 201. Other suites may leave the stack busy, so a 503 (the
   * owner did not answer within the e2e NATS timeout) is retried under a fresh name, since the
   * late first attempt may still have created one.
   */
  const create = async (path: string, name: string, body: (name: string) => object) => {
    for (let attempt = 0; ; attempt++) {
      const r = await api('POST', path, { body: body(attempt ? `${name}-r${attempt}` : name) });
      if (r.status !== 503 || attempt === 4) {
        expect({ path, status: r.status }).toEqual({ path, status: 201 });
        return r.body as { id: string; name: string };
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
  };
  const failedJobId = `job-digest-${suffix}`;
  const agentId = `agt-digest-${suffix}`;

  const startReplica = async () => {
    const port = await freePort();
    const child = startService('scheduler', {
      env: {
        ...state.env,
        CERTCTL_SCHEDULER_LOOPS: 'digest',
        CERTCTL_DIGEST_ENABLED: 'true',
        CERTCTL_DIGEST_HOUR_UTC: '0',
        CERTCTL_DIGEST_INTERVAL_SECONDS: '1',
        CERTCTL_DIGEST_LIST_LIMIT: '25',
      },
      port,
      logDir: state.logDir,
    });
    replicas.push({ child, port });
    await waitReady(`http://127.0.0.1:${port}/ready`, 60000, () => child.exitCode === null);
    return { child, port };
  };
  const stopReplica = async (r: { child: ServiceProcess }) => {
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
    await r.child.exited;
  };
  /** Digest loop runs of a replica that did their work (the day already sent counts as done: `ok`). */
  const okRuns = async (port: number) => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const row = text
      .split('\n')
      .find((l) => l.startsWith('certctl_scheduler_loop_runs_total{') && l.includes('loop="digest"') && l.includes('result="ok"'));
    return row ? Number(row.split(' ').pop()) : 0;
  };

  /** The same counts as the services compute them, read directly (the digest must match). */
  const snapshot = async (): Promise<Counts> => {
    // Retried while the stack is busy: a 503, or no dead count when notifications did not answer in 2 s.
    const s = await waitFor(
      async () => {
        const r = await api('GET', '/api/v1/stats/summary');
        return r.status === 200 && r.body.notifications ? r : undefined;
      },
      30000,
      'the stats summary',
    );
    const failed = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM jobs WHERE status = 'failed' AND COALESCE(completed_at, updated_at) >= now() - interval '24 hours'`,
    );
    return {
      expiring_7: s.body.expiring.within_7_days,
      expiring_30: s.body.expiring.within_30_days,
      failed_24h: failed.rows[0]!.n,
      awaiting_approval: s.body.jobs.by_status.awaiting_approval ?? 0,
      dead: s.body.notifications.dead,
      agents_offline: s.body.agents.offline,
    };
  };

  beforeAll(async () => {
    await db.connect();
    receiver = await startHttpReceiver((req, body) => {
      hooks.push({
        body,
        signature: String(req.headers['x-certctl-signature'] ?? ''),
        timestamp: String(req.headers['x-certctl-timestamp'] ?? ''),
      });
      return 200;
    });
    smtp = await startSmtpReceiver();

    const hook = await create('/api/v1/notification-channels', `digest-hook-${suffix}`, (name) => ({
      name,
      type: 'webhook',
      config: { url: `${receiver.url}/digest` },
      secret: SECRET,
    }));
    const mail = await create('/api/v1/notification-channels', `digest-mail-${suffix}`, (name) => ({
      name,
      type: 'email',
      config: { smtp_host: '127.0.0.1', smtp_port: smtp.port, starttls: false, to: [`digest-${suffix}@example.test`] },
    }));
    await create('/api/v1/notification-rules', `digest-${suffix}`, (name) => ({
      name,
      events: ['digest'],
      channel_ids: [hook.id, mail.id],
    }));

    // Something in each section: a certificate expiring within 7 days and one awaiting approval,
    // through the API; a failed job, an offline agent and a dead notification as fixture rows.
    const shortProfile = await create('/api/v1/profiles', `digest-3d-${suffix}`, (name) => ({ name, max_validity_days: 3 }));
    const approvalProfile = await create('/api/v1/profiles', `digest-approve-${suffix}`, (name) => ({ name, requires_approval: true }));
    const expiring = await create('/api/v1/certificates', `digest-exp-${suffix}`, (name) => ({
      ...validCertificate(name),
      profile_id: shortProfile.id,
    }));
    expiringCertId = expiring.id;
    expiringName = expiring.name;
    await create('/api/v1/certificates', `digest-appr-${suffix}`, (name) => ({
      ...validCertificate(name),
      profile_id: approvalProfile.id,
    }));
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${expiringCertId}`)).body.status === 'active' ? true : undefined),
      60000,
      'the short-lived certificate to be issued',
    );
    await db.query(
      `INSERT INTO jobs (id, type, status, certificate_id, attempts, max_attempts, last_error, completed_at, updated_at)
       VALUES ($1, 'renewal', 'failed', $2, 3, 3, 'fixture: the CA did not answer', now(), now())`,
      [failedJobId, expiringCertId],
    );
    await db.query(`INSERT INTO agents (id, name, status, last_heartbeat_at) VALUES ($1, $1, 'offline', now() - interval '2 hours')`, [
      agentId,
    ]);
    await db.query(
      `INSERT INTO notification_events (id, type, channel, recipient, subject, message, status, retry_count, last_error)
       VALUES ($1, 'certificate.expiring', 'webhook', 'fixture', 'fixture dead notification', 'x', 'dead', 5, 'fixture: 500')`,
      [`ntf-digest-${suffix}`],
    );
  }, 120000);

  afterAll(async () => {
    await Promise.all(replicas.map(stopReplica));
    await db.end();
    await receiver?.close();
    await smtp?.close();
  });

  it('ok/two replicas and a restart deliver one digest per day, by webhook (signed JSON) and email (text + HTML), with the counts', async () => {
    const before = await snapshot();
    expect(before).toMatchObject({ expiring_7: expect.any(Number) });
    expect(Math.min(before.expiring_7, before.failed_24h, before.awaiting_approval, before.dead, before.agents_offline)).toBeGreaterThan(0);

    const [a, b] = await Promise.all([startReplica(), startReplica()]);
    const first = await waitFor(async () => hooks[0], 60000, 'the digest at the webhook');
    const after = await snapshot();

    // Webhook: JSON with the structured digest, signed like every webhook.
    const body = JSON.parse(first.body) as { event: string; subject: string; data: DigestContent };
    expect(body.event).toBe('digest');
    const want = `sha256=${createHmac('sha256', SECRET).update(`${first.timestamp}.${first.body}`).digest('hex')}`;
    expect(first.signature).toBe(want);
    const d = body.data;
    expect(d.date).toBe(d.generated_at.slice(0, 10));
    const got: Counts = {
      expiring_7: d.expiring.within_7_days,
      expiring_30: d.expiring.within_30_days,
      failed_24h: d.failed_jobs.count,
      awaiting_approval: d.awaiting_approval.count,
      dead: d.notifications_dead.count,
      agents_offline: d.agents_offline.count,
    };
    // Each count is what the services held when the digest was built (between the two snapshots;
    // in a quiet stack both are equal and the check is exact).
    for (const k of Object.keys(got) as (keyof Counts)[]) {
      expect({ [k]: got[k] >= Math.min(before[k], after[k]) && got[k] <= Math.max(before[k], after[k]) }).toEqual({ [k]: true });
    }
    expect(d.expiring.items.map((c) => c.id)).toContain(expiringCertId);
    expect(d.failed_jobs.items[0]).toMatchObject({ id: failedJobId, last_error: 'fixture: the CA did not answer' });
    expect(d.awaiting_approval.items).toHaveLength(Math.min(25, d.awaiting_approval.count));
    expect(d.agents_offline.items).toHaveLength(Math.min(25, d.agents_offline.count));
    expect(d.notifications_dead.items).toHaveLength(Math.min(25, d.notifications_dead.count));
    expect(body.subject).toContain(`certctl digest ${d.date}:`);

    // Email: the same digest, a plain-text part listing the items and a simple HTML part.
    const mail = await waitFor(async () => smtp.mails.find((m) => m.to === `digest-${suffix}@example.test`), 30000, 'the digest email');
    const raw = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '='); // undo quoted-printable soft breaks and '='
    expect(raw).toContain(`certctl digest ${d.date}`);
    expect(raw).toMatch(/Content-Type: text\/plain/i);
    expect(raw).toMatch(/Content-Type: text\/html/i);
    expect(raw).toContain(`Failed jobs since ${d.failed_jobs.since}: ${d.failed_jobs.count}`);
    expect(raw).toContain(`${expiringName} expires`);
    expect(raw).toContain(`<td>${expiringName}</td>`);
    expect(raw).toContain(`<h3>Agents offline: ${d.agents_offline.count}`);

    // More runs the same day, on both replicas, then a restart (fresh replica, new holder): nothing more.
    const runsA = await okRuns(a.port);
    const runsB = await okRuns(b.port);
    await waitFor(
      async () => ((await okRuns(a.port)) + (await okRuns(b.port)) >= runsA + runsB + 3 ? true : undefined),
      30000,
      'three more digest runs',
    );
    await Promise.all([stopReplica(a), stopReplica(b)]);
    const c = await startReplica();
    await waitFor(async () => ((await okRuns(c.port)) >= 3 ? true : undefined), 30000, 'three digest runs after the restart');
    await new Promise((r) => setTimeout(r, 1500)); // anything queued would be delivered by now

    const sameDay = (h: { body: string }) => (JSON.parse(h.body) as { data: DigestContent }).data.date === d.date;
    expect(hooks.filter(sameDay)).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.to === `digest-${suffix}@example.test` && m.raw.includes(`certctl digest ${d.date}`))).toHaveLength(
      1,
    );
    const rows = await db.query<{ channel: string; status: string }>(
      `SELECT channel, status::text AS status FROM notification_events WHERE type = 'digest' AND dedupe_key LIKE $1 ORDER BY channel`,
      [`digest:${d.date}|%`],
    );
    expect(rows.rows).toEqual([
      { channel: 'email', status: 'sent' },
      { channel: 'webhook', status: 'sent' },
    ]);
    const day = await db.query<{ n: number; sent: boolean; summary: Record<string, number> }>(
      `SELECT notifications AS n, sent_at IS NOT NULL AS sent, summary FROM scheduler_digests WHERE digest_date = $1::date`,
      [d.date],
    );
    expect(day.rows).toEqual([
      {
        n: 2,
        sent: true,
        summary: {
          expiring_7_days: got.expiring_7,
          expiring_30_days: got.expiring_30,
          failed_jobs: got.failed_24h,
          awaiting_approval: got.awaiting_approval,
          notifications_dead: got.dead,
          agents_offline: got.agents_offline,
        },
      },
    ]);
  }, 180000);
});
