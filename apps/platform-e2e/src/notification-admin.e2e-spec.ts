// Managing notification channels and rules over the real gateway: PATCH, disable, DELETE, "send a test",
// with deliveries observed at local HTTP receivers (alerts come from real certificate issuance).
import type { IncomingMessage } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startHttpReceiver } from '@certctl/testing';
import { api, auditRows, expectProblem, validCertificate, waitFor } from './http';

const SECRET = 'e2e-admin-webhook-secret';

interface Received {
  path: string;
  body: string;
  signed: boolean;
}

/** HMAC-SHA256 over "<timestamp>.<body>", as a receiver checks it. */
function validSignature(headers: IncomingMessage['headers'], body: string): boolean {
  const ts = String(headers['x-certctl-timestamp'] ?? '');
  const got = Buffer.from(String(headers['x-certctl-signature'] ?? ''));
  const want = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A local webhook receiver remembering what reached it. */
async function receiver(status = 200) {
  const got: Received[] = [];
  const server = await startHttpReceiver((req, body) => {
    got.push({ path: req.url ?? '', body, signed: validSignature(req.headers, body) });
    return status;
  });
  return { server, got, port: new URL(server.url).port, about: (name: string) => got.filter((r) => r.body.includes(name)) };
}

describe('notification channels and rules you can manage', () => {
  const run = Date.now().toString(36);
  const team = `t-nadm-${run}`;
  let oldHook: Awaited<ReturnType<typeof receiver>>;
  let newHook: Awaited<ReturnType<typeof receiver>>;
  let offHook: Awaited<ReturnType<typeof receiver>>;
  let mainId: string;
  let offId: string;
  let ruleId: string;
  let viewerKey: string;

  /** Issues a certificate of this suite's team: its certificate.issued alert reaches the suite's rule. */
  async function issue(label: string): Promise<string> {
    const name = `nadm-${label}-${run}`;
    const created = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(name), team_id: team } });
    expect(created.status).toBe(201);
    return name;
  }

  beforeAll(async () => {
    [oldHook, newHook, offHook] = await Promise.all([receiver(), receiver(), receiver()]);
    expect((await api('POST', '/api/v1/teams', { body: { id: team, name: `Team ${run}` } })).status).toBe(201);
    const main = await api('POST', '/api/v1/notification-channels', {
      body: { name: `nadm-main-${run}`, type: 'webhook', config: { url: `${oldHook.server.url}/old` }, secret: SECRET },
    });
    expect(main.status).toBe(201);
    mainId = main.body.id;
    const off = await api('POST', '/api/v1/notification-channels', {
      body: { name: `nadm-off-${run}`, type: 'webhook', config: { url: `${offHook.server.url}/off` } },
    });
    expect(off.status).toBe(201);
    offId = off.body.id;
    const rule = await api('POST', '/api/v1/notification-rules', {
      body: { name: `nadm-rule-${run}`, team_id: team, events: ['certificate.issued'], channel_ids: [mainId, offId] },
    });
    expect(rule.status).toBe(201);
    ruleId = rule.body.id;
    const key = await api('POST', '/api/v1/api-keys', { body: { name: `nadm-viewer-${run}`, role: 'viewer' } });
    expect(key.status).toBe(201);
    viewerKey = key.body.key;
  }, 60000);

  afterAll(async () => {
    await Promise.all([oldHook?.server.close(), newHook?.server.close(), offHook?.server.close()]);
  });

  it('ok/PATCH of a webhook URL is checked, sealed, audited, and the next deliveries go to the new URL only', async () => {
    const patched = await api('PATCH', `/api/v1/notification-channels/${mainId}`, {
      body: { config: { url: `${newHook.server.url}/new` } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: mainId, has_secret: true, enabled: true });
    expect(patched.body.config.url).toBe(`http://127.0.0.1:${newHook.port}/…****`);
    expect(patched.text).not.toContain('/new');
    expect((await api('GET', `/api/v1/notification-channels/${mainId}`)).body.config.url).toBe(`http://127.0.0.1:${newHook.port}/…****`);

    const name = await issue('patched');
    const delivered = await waitFor(async () => newHook.about(name)[0], 30000, 'delivery to the new URL');
    expect(delivered).toMatchObject({ path: '/new', signed: true });
    expect(JSON.parse(delivered.body)).toMatchObject({ event: 'certificate.issued' });
    expect(oldHook.about(name)).toEqual([]);

    const audit = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/audit?action=notification_channel.update&resource_id=${mainId}`);
        return r.body.data?.[0];
      },
      10000,
      'the audit row of the PATCH',
    );
    expect(audit).toMatchObject({ actor: expect.any(String), method: 'PATCH', status: 200, resource_type: 'notification_channel' });
    expect(audit.body_sha256).toBeNull(); // the body may carry a URL or secret: no hash of it is kept
  }, 60000);

  it('ok/a disabled channel receives nothing and gets no notification row, while the rule’s other channel still does', async () => {
    const disabled = await api('PATCH', `/api/v1/notification-channels/${offId}`, { body: { enabled: false } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.enabled).toBe(false);

    const name = await issue('disabled');
    await waitFor(async () => newHook.about(name)[0], 30000, 'delivery to the enabled channel');
    const rows = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/notifications?channel_id=${mainId}&status=sent`);
        const mine = r.body.data.filter((n: { subject: string }) => n.subject.includes(name));
        return mine.length ? mine : undefined;
      },
      15000,
      'the sent row of the enabled channel',
    );
    expect(rows[0]).toMatchObject({ status: 'sent', channel_id: mainId });
    // An alert's rows for all its channels are written at once (one insert): the enabled
    // channel's row exists, so the disabled one would have its row now; without a row there is
    // nothing to deliver to it, now or later.
    const offRows = await api('GET', `/api/v1/notifications?channel_id=${offId}`);
    expect(offRows.body.data.filter((n: { subject: string }) => n.subject.includes(name))).toEqual([]);
    expect(offHook.about(name)).toEqual([]);
    // The status filter: the enabled channel's row is sent, so it is not listed as pending or dead.
    for (const status of ['pending', 'dead']) {
      const other = await api('GET', `/api/v1/notifications?channel_id=${mainId}&status=${status}`);
      expect(other.body.data.map((n: { id: string }) => n.id)).not.toContain(rows[0].id);
    }
  }, 60000);

  it('ok/"send a test" reaches the receiver signed and answers the outcome, storing no notification', async () => {
    const before = (await api('GET', `/api/v1/notifications?channel_id=${mainId}&limit=500`)).body.data.length;
    const sent = await api('POST', `/api/v1/notification-channels/${mainId}/test`);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ ok: true, status: 200, detail: 'delivered', duration_ms: expect.any(Number) });
    const test = newHook.got.find((r) => JSON.parse(r.body).event === 'channel.test');
    expect(test).toMatchObject({ path: '/new', signed: true });
    expect(JSON.parse(test!.body)).toMatchObject({ severity: 'info', data: { channel_id: mainId, test: true } });
    const after = (await api('GET', `/api/v1/notifications?channel_id=${mainId}&limit=500`)).body.data;
    expect(after).toHaveLength(before);
    expect(after.some((n: { event: string }) => n.event === 'channel.test')).toBe(false);

    // A disabled channel can be tested (before enabling it); a failing receiver is a failed outcome, not an error.
    const broken = await receiver(500);
    try {
      const patched = await api('PATCH', `/api/v1/notification-channels/${offId}`, { body: { config: { url: `${broken.server.url}/x` } } });
      expect(patched.body).toMatchObject({ enabled: false });
      const failed = await api('POST', `/api/v1/notification-channels/${offId}/test`);
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({
        ok: false,
        status: 500,
        detail: `http://127.0.0.1:${broken.port} answered 500 Internal Server Error`,
      });
      expect(broken.got).toHaveLength(1);
    } finally {
      await broken.server.close();
    }
  }, 60000);

  it('fail/a viewer can read channels and rules but gets 403 on PATCH, DELETE and test', async () => {
    const as = { key: viewerKey };
    expect((await api('GET', `/api/v1/notification-channels/${mainId}`, as)).status).toBe(200);
    expect((await api('GET', `/api/v1/notification-rules/${ruleId}`, as)).status).toBe(200);
    const refused = [
      await api('PATCH', `/api/v1/notification-channels/${mainId}`, { ...as, body: { enabled: false } }),
      await api('DELETE', `/api/v1/notification-channels/${mainId}`, as),
      await api('POST', `/api/v1/notification-channels/${mainId}/test`, as),
      await api('PATCH', `/api/v1/notification-rules/${ruleId}`, { ...as, body: { enabled: false } }),
      await api('DELETE', `/api/v1/notification-rules/${ruleId}`, as),
    ];
    for (const r of refused) expectProblem(r, 403);
    expect(newHook.got.filter((r) => JSON.parse(r.body).event === 'channel.test')).toHaveLength(1);
    expect((await api('GET', `/api/v1/notification-channels/${mainId}`)).body.enabled).toBe(true);
  });

  it('fail/bad input is a 422 naming the field, and nothing changes', async () => {
    const cases: [string, string, unknown, string][] = [
      ['PATCH', `/api/v1/notification-channels/${mainId}`, { type: 'slack' }, 'type'],
      ['PATCH', `/api/v1/notification-channels/${mainId}`, { config: { url: 'ftp://example.com/x' } }, 'config.url'],
      ['PATCH', `/api/v1/notification-channels/${mainId}`, { config: { url: 'http://0.0.0.0:9/x' } }, 'config.url'],
      ['PATCH', `/api/v1/notification-channels/${mainId}`, { name: '' }, 'name'],
      ['PATCH', `/api/v1/notification-channels/${mainId}`, {}, '(body)'],
      ['PATCH', `/api/v1/notification-rules/${ruleId}`, { events: ['no.such.event'] }, 'events.0'],
      ['PATCH', `/api/v1/notification-rules/${ruleId}`, { channel_ids: ['nch-does-not-exist'] }, 'channel_ids'],
      ['PATCH', `/api/v1/notification-rules/${ruleId}`, { min_severity: 'loud' }, 'min_severity'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await api(method, path, { body });
      expectProblem(r, 422);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const badId = await api('POST', '/api/v1/notification-channels/bad id!/test');
    expectProblem(badId, 422);
    expect(badId.body.errors.map((e: { field: string }) => e.field)).toEqual(['path.id']);
    const channel = await api('GET', `/api/v1/notification-channels/${mainId}`);
    expect(channel.body).toMatchObject({
      type: 'webhook',
      name: `nadm-main-${run}`,
      config: { url: `http://127.0.0.1:${newHook.port}/…****` },
    });
    expect((await api('GET', `/api/v1/notification-rules/${ruleId}`)).body).toMatchObject({
      events: ['certificate.issued'],
      channel_ids: [mainId, offId],
      min_severity: 'info',
    });
  });

  it('fail/unknown ids are 404 on every route', async () => {
    const channel = '/api/v1/notification-channels/nch-unknown';
    const rule = '/api/v1/notification-rules/nrl-unknown';
    const answers = [
      await api('GET', channel),
      await api('PATCH', channel, { body: { enabled: false } }),
      await api('DELETE', channel),
      await api('POST', `${channel}/test`),
      await api('GET', rule),
      await api('PATCH', rule, { body: { enabled: false } }),
      await api('DELETE', rule),
    ];
    for (const r of answers) expectProblem(r, 404);
  });

  it('ok/a channel rules use is refused deletion (409 naming the rule); after the rule goes, DELETE then GET is 404', async () => {
    const refused = await api('DELETE', `/api/v1/notification-channels/${mainId}`);
    expectProblem(refused, 409);
    expect(refused.body.detail).toContain(ruleId);
    expect(refused.body.detail).toContain(`nadm-rule-${run}`);

    const narrowed = await api('PATCH', `/api/v1/notification-rules/${ruleId}`, { body: { channel_ids: [mainId], enabled: false } });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body).toMatchObject({ channel_ids: [mainId], enabled: false });
    expect((await api('DELETE', `/api/v1/notification-channels/${offId}`)).status).toBe(204);
    expectProblem(await api('GET', `/api/v1/notification-channels/${offId}`), 404);

    expect((await api('DELETE', `/api/v1/notification-rules/${ruleId}`)).status).toBe(204);
    expectProblem(await api('GET', `/api/v1/notification-rules/${ruleId}`), 404);
    expect((await api('DELETE', `/api/v1/notification-channels/${mainId}`)).status).toBe(204);
    expectProblem(await api('GET', `/api/v1/notification-channels/${mainId}`), 404);
    expectProblem(await api('DELETE', `/api/v1/notification-channels/${mainId}`), 404);
    const list = await api('GET', '/api/v1/notification-channels');
    expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(mainId);

    const statuses = (rows: { status: number }[]) => rows.map((a) => a.status);
    const audit = await auditRows('notification_channel.delete', mainId, 15000, (rows) => statuses(rows).includes(204));
    expect(statuses(audit)).toEqual(expect.arrayContaining([204, 409]));
  });
});
