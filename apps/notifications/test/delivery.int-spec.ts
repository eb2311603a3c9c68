import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { type Alert, Events, NotificationRpc, NotificationsChannel, QueueName, Rpc } from '@certctl/contracts';
import { DrainingNatsServer, EVENTS_STREAM, RpcClient, busAuthFromEnv } from '@certctl/messaging';
import { QueueService } from '@certctl/queue';
import { createTestDatabase, startHttpReceiver, startNatsServer, startSmtpReceiver, waitFor } from '@certctl/testing';
import { notificationsModule } from '../src/app.module';
import { notificationsEnvSchema } from '../src/config';
import { verifyWebhook } from '../src/delivery/signature';
import { ChannelService } from '../src/routing/channel.service';
import { DeliveryProcessor } from '../src/delivery/delivery.processor';
import { NotificationService } from '../src/notifications/notification.service';

const SECRET = 'whsec-integration-secret-value';
const actor = { principal: 'test-admin', role: 'admin' };

interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

/** A webhook receiver that fails while `failing` is set. */
async function startReceiver() {
  const state = { failing: true, hits: 0, ok: [] as Received[] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      state.hits++;
      if (state.failing) {
        res.writeHead(503).end('receiver down');
        return;
      }
      state.ok.push({ body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('notification delivery on real PostgreSQL, Redis and NATS', () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let app: INestMicroservice;
  let rpc: RpcClient;
  let db: Client;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;

  beforeAll(async () => {
    nats = await startNatsServer();
    const databaseUrl = await createTestDatabase('certctl_it_notifications');
    const config = notificationsEnvSchema.parse({
      ...process.env,
      ...nats.envFor('notifications'),
      DATABASE_URL: databaseUrl,
      REDIS_URL: `${process.env.REDIS_URL!.replace(/\/\d*$/, '')}/5`,
      NATS_URL: nats.url,
      CERTCTL_ENCRYPTION_KEY: 'integration-test-encryption-key-0123456789',
      CERTCTL_NOTIFY_BACKOFF_BASE_MS: '100',
      CERTCTL_NOTIFY_BACKOFF_MAX_MS: '400',
      CERTCTL_NOTIFY_RECONCILE_INTERVAL_MS: '500',
      CERTCTL_NOTIFY_TIMEOUT_MS: '3000',
      // The receivers listen on 127.0.0.1.
      CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES: 'true',
      LOG_LEVEL: 'silent',
    });
    app = await NestFactory.createMicroservice(notificationsModule(config), {
      strategy: new DrainingNatsServer(nats.url, 'notifications', busAuthFromEnv(config)),
      logger: false,
    });
    await app.listen();
    rpc = new RpcClient(nats.driverOptions(5000));
    await rpc.onModuleInit();
    // Inventory as it answers for certificates it does not hold (the events below name made-up
    // ones): without an answer at all, an alert's event is taken again later, never routed.
    rpc.natsConnection().subscribe(Rpc.inventory.certificateGet.subject, {
      callback: (_err, msg) => {
        const { id } = JSON.parse(new TextDecoder().decode(msg.data)) as { id: string };
        const err = { code: 'not_found', detail: 'certificate not found', retryable: false };
        msg.respond(new TextEncoder().encode(JSON.stringify({ id, err, isDisposed: true })));
      },
    });
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    receiver = await startReceiver();
    smtp = await startSmtpReceiver();
  });

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await app?.close();
    await db?.end();
    await receiver?.close();
    await smtp.close();
    await nats?.stop();
  });

  /**
   * No further attempt can come: the notifications queue holds nothing waiting, delayed or
   * running, and a reconciliation round (what would put a lost attempt back) finds nothing to
   * queue again. What the tests used to sleep "a few reconcile rounds" for.
   */
  const settled = async () => {
    await waitFor(
      async () => {
        const counts = (await app.get(QueueService).jobCounts())[QueueName.Notifications] ?? {};
        return Object.values(counts).every((n) => n === 0);
      },
      30000,
      'an idle notifications queue',
      50,
    );
    expect(await app.get(NotificationService).reconcile()).toBe(0);
  };

  const alert = (key: string, over: Partial<Alert> = {}): Alert => ({
    event: 'certificate.expiring',
    severity: 'warning',
    subject: 'Certificate web-1 expires within 7 days',
    message: 'Certificate web-1 (cert-1) expires at 2026-12-01T00:00:00.000Z.',
    dedupe_key: key,
    certificate: { id: 'cert-1', name: 'web-1', team_id: 'team-1', owner_email: 'owner@example.test' },
    ...over,
  });

  it('ok/a failing webhook is retried with backoff, becomes dead after 5 attempts, and a requeue delivers it once, signed', async () => {
    const ch = await rpc.request(NotificationRpc.channelCreate, {
      actor,
      channel: { name: 'hook', type: 'webhook', config: { url: receiver.url }, secret: SECRET },
    });
    expect(ch).toMatchObject({ has_secret: true });
    expect(JSON.stringify(ch)).not.toContain(SECRET);
    const stored = await db.query<{ encrypted_secret: Buffer }>('SELECT encrypted_secret FROM notification_channels WHERE id = $1', [
      ch.id,
    ]);
    expect(stored.rows[0]!.encrypted_secret.toString('latin1')).not.toContain(SECRET);
    await rpc.request(NotificationRpc.ruleCreate, {
      actor,
      rule: { name: 'team-1 expiring', team_id: 'team-1', events: ['certificate.expiring'], channel_ids: [ch.id] },
    });

    expect(await rpc.request(NotificationRpc.dispatch, { alerts: [alert('expiring:cert-1:ver-1:7d')] })).toEqual({
      created: 1,
      duplicates: 0,
    });
    const [n] = (await rpc.request(NotificationRpc.list, { limit: 10 })).data;
    expect(n).toBeDefined();

    // While failing: retry_count, next_retry_at and last_error are recorded on the row.
    const failed = await waitFor(async () => {
      const r = await rpc.request(NotificationRpc.get, { id: n!.id });
      return r.status === 'failed' && r.retry_count >= 1 ? r : undefined;
    });
    expect(failed.last_error).toContain('503');
    expect(failed.next_retry_at).not.toBeNull();

    const dead = await waitFor(async () => {
      const r = await rpc.request(NotificationRpc.get, { id: n!.id });
      return r.status === 'dead' ? r : undefined;
    });
    expect(dead).toMatchObject({ retry_count: 5, next_retry_at: null, delivered_attempt: null });
    // Status and a short reason only: the receiver's body is never copied into the row.
    expect(dead.last_error).toBe(`${new URL(receiver.url).origin} answered 503 Service Unavailable`);
    expect(receiver.state.hits).toBe(5);
    expect((await rpc.request(NotificationRpc.list, { limit: 10, status: 'dead' })).data.map((d) => d.id)).toEqual([n!.id]);

    receiver.state.failing = false;
    const requeued = await rpc.request(NotificationRpc.requeue, { id: n!.id, actor });
    expect(requeued).toMatchObject({ status: 'pending', retry_count: 0, last_error: null });
    const sent = await waitFor(async () => {
      const r = await rpc.request(NotificationRpc.get, { id: n!.id });
      return r.status === 'sent' ? r : undefined;
    });
    expect(sent.delivered_attempt).toBe(1);
    // Nothing left to attempt, reconciliation included: it was delivered exactly once.
    await settled();
    expect(receiver.state.ok).toHaveLength(1);
    const got = receiver.state.ok[0]!;
    expect(
      verifyWebhook(
        SECRET,
        { signature: got.headers['x-certctl-signature'] as string, timestamp: got.headers['x-certctl-timestamp'] as string },
        got.body,
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(true);
    expect(JSON.parse(got.body)).toMatchObject({ id: n!.id, event: 'certificate.expiring' });
    await expect(rpc.request(NotificationRpc.requeue, { id: n!.id, actor })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('fail/a webhook answering 404 (a configuration error) is attempted once and dead at once; one answering 503 is retried', async () => {
    const hits = { gone: 0, down: 0 };
    const gone = await startHttpReceiver(() => (hits.gone++, 404));
    const down = await startHttpReceiver(() => (hits.down++, 503));
    try {
      const [goneChannel, downChannel] = await Promise.all([
        rpc.request(NotificationRpc.channelCreate, {
          actor,
          channel: { name: 'gone-hook', type: 'webhook', config: { url: `${gone.url}/hook` } },
        }),
        rpc.request(NotificationRpc.channelCreate, {
          actor,
          channel: { name: 'down-hook', type: 'webhook', config: { url: `${down.url}/hook` } },
        }),
      ]);
      await rpc.request(NotificationRpc.ruleCreate, {
        actor,
        rule: { name: 'revocations', events: ['certificate.revoked'], channel_ids: [goneChannel.id, downChannel.id] },
      });
      await rpc.request(NotificationRpc.dispatch, {
        alerts: [alert('revoked:cert-5', { event: 'certificate.revoked', certificate: { id: 'cert-5', name: 'web-5' } })],
      });
      const rowOf = async (channelId: string) => (await rpc.request(NotificationRpc.list, { limit: 10, channel_id: channelId })).data[0];
      // The retryable one goes through its whole attempt budget: ample time for any further attempt of the other.
      const retried = await waitFor(async () => {
        const row = await rowOf(downChannel.id);
        return row?.status === 'dead' ? row : undefined;
      });
      expect(retried).toMatchObject({ retry_count: 5, last_error: `${new URL(down.url).origin} answered 503 Service Unavailable` });
      expect(hits.down).toBe(5);

      const refused = await rowOf(goneChannel.id);
      expect(refused).toMatchObject({
        status: 'dead',
        retry_count: 1,
        next_retry_at: null,
        delivered_attempt: null,
        last_error: `${new URL(gone.url).origin} answered 404 Not Found`,
      });
      expect(hits.gone).toBe(1);
      // Dead-lettered like any dead row: a requeue gives it one more attempt, again not retried.
      await rpc.request(NotificationRpc.requeue, { id: refused!.id, actor });
      await waitFor(async () => (await rpc.request(NotificationRpc.get, { id: refused!.id })).status === 'dead' && hits.gone === 2);
      await settled();
      expect(hits.gone).toBe(2);
      expect(await rpc.request(NotificationRpc.get, { id: refused!.id })).toMatchObject({ status: 'dead', retry_count: 1 });
    } finally {
      await gone.close();
      await down.close();
    }
  });

  it('ok/the same alert dispatched twice creates one row per channel', async () => {
    const again = await rpc.request(NotificationRpc.dispatch, {
      alerts: [alert('expiring:cert-1:ver-1:7d'), alert('expiring:cert-1:ver-1:7d')],
    });
    expect(again).toEqual({ created: 0, duplicates: 2 });
  });

  it('ok/an email reaches a local SMTP server with the certificate name and expiry, recording the delivering attempt', async () => {
    const ch = await rpc.request(NotificationRpc.channelCreate, {
      actor,
      channel: {
        name: 'mail',
        type: 'email',
        config: { smtp_host: '127.0.0.1', smtp_port: smtp.port, starttls: false, from: 'certctl@example.test', to_owner: true },
      },
    });
    await rpc.request(NotificationRpc.ruleCreate, {
      actor,
      rule: { name: 'owners', events: ['certificate.expiring'], min_severity: 'warning', channel_ids: [ch.id] },
    });
    await rpc.request(NotificationRpc.dispatch, {
      alerts: [
        alert('expiring:cert-2:ver-1:7d', {
          certificate: { id: 'cert-2', name: 'mail-2', owner_email: 'owner2@example.test' },
          subject: 'Certificate mail-2 expires within 7 days',
          message: 'Certificate mail-2 expires at 2026-12-01T00:00:00.000Z.',
        }),
      ],
    });
    const mail = await waitFor(async () => smtp.mails.find((m) => m.to === 'owner2@example.test'));
    expect(mail.raw).toContain('mail-2');
    expect(mail.raw).toContain('2026-12-01T00:00:00.000Z');
    const row = await waitFor(async () => {
      const { rows } = await db.query<{ status: string; delivered_attempt: number }>(
        "SELECT status, delivered_attempt FROM notification_events WHERE channel = 'email' AND recipient = 'owner2@example.test'",
      );
      return rows[0]?.status === 'sent' ? rows[0] : undefined;
    });
    expect(row.delivered_attempt).toBe(1);
  });

  it('ok/a row whose queue entry was lost is put back on the queue by reconciliation', async () => {
    const ch = await rpc.request(NotificationRpc.channelCreate, {
      actor,
      channel: { name: 'hook-2', type: 'webhook', config: { url: receiver.url } },
    });
    // A row written by a replica that died before queueing it (no queue job exists for it).
    await db.query(
      `INSERT INTO notification_events (id, type, channel, channel_id, recipient, subject, message, updated_at, created_at)
       VALUES ('ntf-orphan-1', 'certificate.expiring', 'webhook', $1, 'hook-2', 'orphan', 'orphan row', now() - interval '1 minute', now() - interval '1 minute')`,
      [ch.id],
    );
    await waitFor(async () => (await rpc.request(NotificationRpc.get, { id: 'ntf-orphan-1' })).status === 'sent');
    expect(receiver.state.ok.filter((r) => r.body.includes('ntf-orphan-1'))).toHaveLength(1);
  });

  it('ok/a failed-job event becomes one renewal.failed notification, even when the event is delivered twice', async () => {
    const ch = await rpc.request(NotificationRpc.channelCreate, {
      actor,
      channel: { name: 'hook-events', type: 'webhook', config: { url: receiver.url } },
    });
    await rpc.request(NotificationRpc.ruleCreate, { actor, rule: { name: 'failures', events: ['renewal.failed'], channel_ids: [ch.id] } });
    const event = { job_id: 'job-failed-1', certificate_id: 'cert-9', error: 'issuer refused' };
    await rpc.emit(Events.jobFailed, event);
    await rpc.emit(Events.jobFailed, event);
    await waitFor(async () => receiver.state.ok.some((r) => r.body.includes('job-failed-1')));
    // Both copies of the event handled and acknowledged, and nothing left to attempt.
    const jsm = await rpc.natsConnection().jetstreamManager();
    await waitFor(async () => {
      const consumer = await jsm.consumers.info(EVENTS_STREAM, 'notifications-job-failed');
      return consumer.num_pending === 0 && consumer.num_ack_pending === 0;
    });
    await settled();
    const { rows } = await db.query<{ status: string; severity: string }>(
      "SELECT status, severity FROM notification_events WHERE type = 'renewal.failed'",
    );
    expect(rows).toEqual([{ status: 'sent', severity: 'critical' }]);
    expect(receiver.state.ok.filter((r) => r.body.includes('job-failed-1'))).toHaveLength(1);
  });

  it('ok/Slack, Teams, PagerDuty and OpsGenie channels post their formats to configurable URLs, secrets sealed', async () => {
    const got: { path: string; auth?: string; body: Record<string, unknown> }[] = [];
    const vendor = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
    try {
      const channels = await Promise.all([
        rpc.request(NotificationRpc.channelCreate, { actor, channel: { name: 'slack', type: 'slack', config: { url: `${base}/slack` } } }),
        rpc.request(NotificationRpc.channelCreate, { actor, channel: { name: 'teams', type: 'teams', config: { url: `${base}/teams` } } }),
        rpc.request(NotificationRpc.channelCreate, {
          actor,
          channel: { name: 'pd', type: 'pagerduty', config: { url: `${base}/pd` }, secret: 'pd-routing-key-1' },
        }),
        rpc.request(NotificationRpc.channelCreate, {
          actor,
          channel: { name: 'og', type: 'opsgenie', config: { url: `${base}/og` }, secret: 'og-api-key-1' },
        }),
      ]);
      await rpc.request(NotificationRpc.ruleCreate, {
        actor,
        rule: { name: 'vendors', events: ['agent.offline'], min_severity: 'warning', channel_ids: channels.map((c) => c.id) },
      });
      await rpc.request(NotificationRpc.dispatch, {
        alerts: [
          {
            event: 'agent.offline',
            severity: 'critical',
            subject: 'Agent a-1 is offline',
            message: 'no heartbeat',
            dedupe_key: 'agent-offline:a-1',
          },
        ],
      });
      await waitFor(async () => got.length >= 4);
      const by = (p: string) => got.find((g) => g.path === p)!;
      expect(by('/slack').body).toEqual({ text: '*Agent a-1 is offline*\nno heartbeat' });
      expect(by('/teams').body).toMatchObject({ '@type': 'MessageCard', title: 'Agent a-1 is offline', text: 'no heartbeat' });
      expect(by('/pd').body).toMatchObject({
        routing_key: 'pd-routing-key-1',
        event_action: 'trigger',
        payload: { summary: 'Agent a-1 is offline', severity: 'critical', source: 'certctl' },
      });
      expect(by('/og').auth).toBe('GenieKey og-api-key-1');
      expect(by('/og').body).toMatchObject({ message: 'Agent a-1 is offline', priority: 'P1' });
      const { rows } = await db.query<{ config: string }>(
        "SELECT config::text FROM notification_channels WHERE type IN ('pagerduty', 'opsgenie')",
      );
      expect(rows.map((r) => r.config).join()).not.toMatch(/pd-routing-key-1|og-api-key-1/);
    } finally {
      await new Promise((r) => vendor.close(r));
    }
  });

  it('fail/requeue of an unknown notification is not_found', async () => {
    await expect(rpc.request(NotificationRpc.requeue, { id: 'ntf-missing', actor })).rejects.toMatchObject({ code: 'not_found' });
  });
  it('ok/a channel stored with a plain URL (before URLs were sealed) keeps working, is answered masked, and gets its URL sealed', async () => {
    const legacyUrl = `${receiver.url}?token=legacy-token-123`;
    await db.query(
      `INSERT INTO notification_channels (id, name, type, config, updated_at) VALUES ('nch-legacy', 'legacy', 'slack', $1, now())`,
      [JSON.stringify({ url: legacyUrl })],
    );
    const channels = app.get(ChannelService);
    expect((await channels.loadForDelivery('nch-legacy'))?.config).toEqual({ url: legacyUrl });
    const listed = (await rpc.request(NotificationRpc.channelList, {})).data.find((c) => c.id === 'nch-legacy');
    expect(listed?.config).toEqual({ url: `${new URL(receiver.url).origin}/…****` });

    expect(await channels.sealLegacyUrls()).toBeGreaterThanOrEqual(1);
    const { rows } = await db.query<{ config: string }>(`SELECT config::text FROM notification_channels WHERE id = 'nch-legacy'`);
    expect(rows[0]!.config).not.toContain('legacy-token-123');
    expect(rows[0]!.config).toContain('$sealed');
    expect((await channels.loadForDelivery('nch-legacy'))?.config).toEqual({ url: legacyUrl });
    expect((await rpc.request(NotificationRpc.channelList, {})).data.find((c) => c.id === 'nch-legacy')?.config).toEqual(listed?.config);
  });

  it('fail/a row routed before its channel was disabled or deleted is not sent: dead at once with the reason', async () => {
    const hits: string[] = [];
    const target = await startHttpReceiver((_req, body) => {
      hits.push(body);
      return 204;
    });
    try {
      const off = await rpc.request(NotificationsChannel.create, {
        actor,
        channel: { name: 'later-disabled', type: 'webhook', config: { url: `${target.url}/x` } },
      });
      const gone = await rpc.request(NotificationsChannel.create, {
        actor,
        channel: { name: 'later-deleted', type: 'webhook', config: { url: `${target.url}/y` } },
      });
      expect(await rpc.request(NotificationsChannel.update, { actor, id: off.id, changes: { enabled: false } })).toMatchObject({
        enabled: false,
      });
      expect(await rpc.request(NotificationsChannel.delete, { actor, id: gone.id })).toEqual({ id: gone.id, deleted: true });
      // Rows as routing wrote them while both channels were usable; reconciliation queues them.
      for (const [id, channelId] of [
        ['ntf-routed-off', off.id],
        ['ntf-routed-gone', gone.id],
      ]) {
        await db.query(
          `INSERT INTO notification_events (id, type, channel, channel_id, recipient, message, updated_at)
           VALUES ($1, 'certificate.expiring', 'webhook', $2, 'x', 'm', now() - interval '1 minute')`,
          [id, channelId],
        );
      }
      const dead = await waitFor(
        async () => {
          const rows = await Promise.all(['ntf-routed-off', 'ntf-routed-gone'].map((id) => rpc.request(NotificationRpc.get, { id })));
          return rows.every((row) => row.status === 'dead') ? rows : undefined;
        },
        10000,
        'both rows dead',
      );
      expect(dead.map((row) => [row.last_error, row.retry_count])).toEqual([
        [`channel ${off.id} is disabled: not sent (enable the channel, then requeue)`, 1],
        [`channel ${gone.id} was deleted: not sent`, 1],
      ]);
      expect(hits).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it('ok/two attempts of one row at once (a redelivered job beside the first): the webhook is sent once', async () => {
    let hits = 0;
    // A receiver that answers after 1 s, so the second attempt starts while the first is sending.
    const slow = createServer((req, res) => {
      hits++;
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(204).end(), 1000));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const ch = await rpc.request(NotificationsChannel.create, {
        actor,
        channel: { name: 'slow-once', type: 'webhook', config: { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/` } },
      });
      // A fresh row (not due for reconciliation), delivered by two attempts started together.
      await db.query(
        `INSERT INTO notification_events (id, type, channel, channel_id, recipient, message) VALUES ('ntf-twice', 'certificate.expiring', 'webhook', $1, 'x', 'm')`,
        [ch.id],
      );
      const processor = app.get(DeliveryProcessor);
      const outcomes = await Promise.all([processor.deliver('ntf-twice'), processor.deliver('ntf-twice')]);
      expect(outcomes.sort()).toEqual(['sent', 'skipped']);
      expect(hits).toBe(1);
      const row = await db.query('SELECT status, delivered_attempt, delivering_until FROM notification_events WHERE id = $1', [
        'ntf-twice',
      ]);
      expect(row.rows[0]).toEqual({ status: 'sent', delivered_attempt: 1, delivering_until: null });
      // Sent: a later attempt (a job redelivered after a crash) does not send it again.
      expect(await processor.deliver('ntf-twice')).toBe('skipped');
      expect(hits).toBe(1);
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });
});
