import type { IncomingMessage } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Client } from 'pg';
import { startHttpReceiver, startSmtpReceiver } from '@certctl/testing';
import { readState } from './e2e-env';
import { api, expectProblem, validCertificate, waitFor } from './http';
import { insertFastRenewalFixtures } from './renewal-fixtures';

const SECRET = 'e2e-webhook-signing-secret';

/** What a receiver does with the signature header: HMAC-SHA256 over "<timestamp>.<body>". */
function validSignature(headers: IncomingMessage['headers'], body: string): boolean {
  const ts = String(headers['x-certctl-timestamp'] ?? '');
  const got = Buffer.from(String(headers['x-certctl-signature'] ?? ''));
  const want = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`);
  return Math.abs(Date.now() / 1000 - Number(ts)) < 300 && got.length === want.length && timingSafeEqual(got, want);
}

describe('scheduler and notifications end to end', () => {
  const suffix = Date.now().toString(36);
  const policyId = `rp-e2e-fast-${suffix}`;
  const profileId = `prof-e2e-1day-${suffix}`;
  const hook = { failing: true, attempts: 0, delivered: [] as { id: string; body: string; signed: boolean }[] };
  let server: Awaited<ReturnType<typeof startHttpReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let certId: string;

  beforeAll(async () => {
    await insertFastRenewalFixtures(policyId, profileId);
    server = await startHttpReceiver((req, body) => {
      hook.attempts++;
      if (hook.failing) return { status: 500, body: 'receiver broken' };
      hook.delivered.push({ id: (JSON.parse(body) as { id: string }).id, body, signed: validSignature(req.headers, body) });
      return 200;
    });
    smtp = await startSmtpReceiver();

    const hookChannel = await api('POST', '/api/v1/notification-channels', {
      body: {
        name: `e2e-hook-${suffix}`,
        type: 'webhook',
        config: { url: `${server.url}/hook` },
        secret: SECRET,
      },
    });
    expect(hookChannel.status).toBe(201);
    expect(hookChannel.text).not.toContain(SECRET);
    const mailChannel = await api('POST', '/api/v1/notification-channels', {
      body: {
        name: `e2e-mail-${suffix}`,
        type: 'email',
        config: {
          smtp_host: '127.0.0.1',
          smtp_port: smtp.port,
          starttls: false,
          to: ['ops@example.test'],
        },
      },
    });
    expect(mailChannel.status).toBe(201);
    const rule = await api('POST', '/api/v1/notification-rules', {
      body: {
        name: `e2e-fast-${suffix}`,
        renewal_policy_id: policyId,
        events: ['certificate.expiring'],
        channel_ids: [hookChannel.body.id, mailChannel.body.id],
      },
    });
    expect(rule.status).toBe(201);

    const created = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(`sched-${suffix}`), renewal_policy_id: policyId, profile_id: profileId },
    });
    expect(created.status).toBe(201);
    certId = created.body.id;
  }, 60000);

  afterAll(async () => {
    // Stop renewing the fixture certificate every few seconds for the suites that follow.
    const db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    await db.query('UPDATE renewal_policies SET auto_renew = false WHERE id = $1', [policyId]).finally(() => db.end());
    await server?.close();
    await smtp?.close();
  });

  it('ok/a short-lived certificate is renewed by the scheduler with no API call', async () => {
    const first = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/certificates/${certId}`);
        return r.body.status === 'active' ? r.body : undefined;
      },
      30000,
      'issuance',
    );
    const renewal = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/jobs?certificate_id=${certId}&type=renewal&status=completed`);
        return r.body.data?.[0];
      },
      60000,
      'a completed renewal job',
    );
    expect(renewal).toMatchObject({ type: 'renewal', requested_by: 'scheduler' });
    const after = await api('GET', `/api/v1/certificates/${certId}`);
    expect(after.body.status).toBe('active');
    expect(after.body.current_version?.serial_number).not.toBe(first.current_version?.serial_number);
  }, 90000);

  it('ok/the expiring certificate sends an email with its name and expiry to a local SMTP server', async () => {
    const mail = await waitFor(
      async () => smtp.mails.find((m) => m.to === 'ops@example.test' && m.raw.includes(`sched-${suffix}`)),
      30000,
      'the email',
    );
    const text = mail.raw.replace(/=\r?\n/g, ''); // undo quoted-printable soft line breaks
    expect(text).toMatch(/expires at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  it('ok/a webhook failing five times leaves the notification dead; after recovery a requeue delivers it once, signed', async () => {
    const dead = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/notifications?status=dead&certificate_id=${certId}`);
        return r.body.data?.find((n: { channel: string }) => n.channel === 'webhook');
      },
      30000,
      'a dead webhook notification',
    );
    expect(dead).toMatchObject({ status: 'dead', retry_count: 5, delivered_attempt: null });
    expect(dead.last_error).toContain('500');
    const one = await api('GET', `/api/v1/notifications/${dead.id}`);
    expect(one.body).toMatchObject({ id: dead.id, status: 'dead', event: expect.any(String) });
    expect(one.body).not.toHaveProperty('type');
    // The list filters by event and by channel as well as by status and certificate.
    const byEvent = await api('GET', `/api/v1/notifications?certificate_id=${certId}&event=${dead.event}&channel_id=${dead.channel_id}`);
    expect(byEvent.body.data.map((n: { id: string }) => n.id)).toContain(dead.id);
    expect(
      byEvent.body.data.every((n: { event: string; channel_id: string }) => n.event === dead.event && n.channel_id === dead.channel_id),
    ).toBe(true);
    const otherEvent = dead.event === 'certificate.revoked' ? 'renewal.failed' : 'certificate.revoked';
    const none = await api('GET', `/api/v1/notifications?certificate_id=${certId}&event=${otherEvent}&channel_id=${dead.channel_id}`);
    expect(none.body.data.map((n: { id: string }) => n.id)).not.toContain(dead.id);
    expect((await api('GET', '/api/v1/notifications?event=no.such.event')).status).toBe(422);
    const summary = await api('GET', '/api/v1/stats/summary');
    expect(summary.body.notifications.dead).toBeGreaterThanOrEqual(1);

    hook.failing = false;
    const requeued = await api('POST', `/api/v1/notifications/${dead.id}/requeue`);
    expect(requeued.status).toBe(200);
    expect(requeued.body).toMatchObject({ status: 'pending', retry_count: 0, last_error: null });
    const sent = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/notifications/${dead.id}`);
        return r.body.status === 'sent' ? r.body : undefined;
      },
      30000,
      'redelivery',
    );
    expect(sent.delivered_attempt).toBe(1);
    await new Promise((r) => setTimeout(r, 2500)); // a few reconciliation rounds
    const got = hook.delivered.filter((d) => d.id === dead.id);
    expect(got).toHaveLength(1);
    expect(got[0]!.signed).toBe(true);
    const again = await api('POST', `/api/v1/notifications/${dead.id}/requeue`);
    expect(again.status).toBe(409);
  }, 60000);

  it('fail/a viewer may read notifications but not requeue them or configure channels', async () => {
    const key = await api('POST', '/api/v1/api-keys', { body: { name: `e2e-viewer-${suffix}`, role: 'viewer' } });
    expect(key.status).toBe(201);
    const viewer = key.body.key as string;
    expect((await api('GET', '/api/v1/notifications?status=dead', { key: viewer })).status).toBe(200);
    expect((await api('POST', '/api/v1/notifications/ntf-x/requeue', { key: viewer })).status).toBe(403);
    expect(
      (
        await api('POST', '/api/v1/notification-channels', {
          key: viewer,
          body: { name: 'x', type: 'slack', config: { url: 'http://127.0.0.1:1' } },
        })
      ).status,
    ).toBe(403);
  });
  it('ok/a Slack webhook URL is stored sealed and shown masked to admins and viewers alike', async () => {
    const token = `e2eSlackToken${suffix}XXXXXXXX`;
    const url = `https://hooks.slack.com/services/T0E2E/B0E2E/${token}`;
    const created = await api('POST', '/api/v1/notification-channels', {
      body: { name: `e2e-slack-${suffix}`, type: 'slack', config: { url } },
    });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual({ url: 'https://hooks.slack.com/…****' });
    expect(created.text).not.toContain(token);

    const key = await api('POST', '/api/v1/api-keys', { body: { name: `e2e-viewer-mask-${suffix}`, role: 'viewer' } });
    expect(key.status).toBe(201);
    for (const as of [undefined, key.body.key as string]) {
      const list = await api('GET', '/api/v1/notification-channels', as ? { key: as } : {});
      expect(list.status).toBe(200);
      expect(list.text).not.toContain(token);
      expect(list.body.data.find((c: { id: string }) => c.id === created.body.id)?.config).toEqual({
        url: 'https://hooks.slack.com/…****',
      });
      // The signed webhook channel of this suite is masked too (its URL is a 127.0.0.1 receiver's).
      const hook = list.body.data.find((c: { name: string }) => c.name === `e2e-hook-${suffix}`);
      expect(hook.config.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…\*\*\*\*$/);
    }

    const db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ config: string }>('SELECT config::text AS config FROM notification_channels WHERE id = $1', [
        created.body.id,
      ]);
      expect(rows[0]!.config).not.toContain(token);
      expect(rows[0]!.config).not.toContain('/services/');
      expect(JSON.parse(rows[0]!.config)).toEqual({
        url: { $sealed: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/), masked: 'https://hooks.slack.com/…****' },
      });
    } finally {
      await db.end();
    }
  });

  it('fail/a channel to an address no server can answer from, or sending an SMTP password without STARTTLS, is a 422', async () => {
    const unspecified = await api('POST', '/api/v1/notification-channels', {
      body: { name: `e2e-zero-${suffix}`, type: 'webhook', config: { url: 'http://0.0.0.0:9/hook' } },
    });
    expectProblem(unspecified, 422);
    expect(unspecified.body.errors).toEqual([
      { field: 'config.url', message: '0.0.0.0 is a unspecified ("this network", RFC 1122) address' },
    ]);
    const plaintext = await api('POST', '/api/v1/notification-channels', {
      body: {
        name: `e2e-plain-auth-${suffix}`,
        type: 'email',
        config: { smtp_host: 'smtp.example.com', smtp_user: 'certctl', to: ['ops@example.test'] },
        secret: 'smtp-password',
      },
    });
    expectProblem(plaintext, 422);
    expect(JSON.stringify(plaintext.body)).toContain('config.starttls');
  });
});
