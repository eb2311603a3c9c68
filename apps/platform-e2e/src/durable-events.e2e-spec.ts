// Domain events are stored in JetStream: an event published while every replica of its consumer
// is down (here: notifications killed) is delivered when the consumer is back, once.
import { startHttpReceiver } from '@certctl/testing';
import { waitConsumerSettled } from './event-stream';
import { api, validCertificate, waitFor } from './http';
import { startStoppedService, stopService } from './restart';

describe('durable domain events (JetStream)', () => {
  const run = Date.now().toString(36);
  const team = `t-durable-${run}`;
  const received: string[] = [];
  let channelId: string;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;

  beforeAll(async () => {
    receiver = await startHttpReceiver((_req, body) => {
      received.push(body);
      return 200;
    });
    expect((await api('POST', '/api/v1/teams', { body: { id: team, name: `Durable ${run}` } })).status).toBe(201);
    const channel = await api('POST', '/api/v1/notification-channels', {
      body: { name: `durable-${run}`, type: 'webhook', config: { url: `${receiver.url}/hook` } },
    });
    expect(channel.status).toBe(201);
    channelId = channel.body.id;
    const rule = await api('POST', '/api/v1/notification-rules', {
      body: { name: `durable-${run}`, team_id: team, events: ['certificate.revoked'], channel_ids: [channel.body.id] },
    });
    expect(rule.status).toBe(201);
  }, 60000);

  afterAll(async () => {
    await receiver?.close();
  });

  // This suite's channel only: other suites' rules may alert on every revocation too.
  const revokedAlerts = async (certificateId: string) =>
    (await api('GET', `/api/v1/notifications?certificate_id=${certificateId}&event=certificate.revoked&channel_id=${channelId}`)).body
      .data as { id: string }[];

  it('ok/a revocation while notifications is down becomes its alert once notifications is back; a second restart does not repeat it', async () => {
    const created = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`durable-${run}`), team_id: team } });
    expect(created.status).toBe(201);
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${created.body.id}`)).body.status === 'active' ? true : undefined),
      60000,
      'the certificate to be active',
    );

    await stopService('notifications', 'SIGKILL');
    try {
      const revoked = await api('POST', `/api/v1/certificates/${created.body.id}/revoke`, { body: { reason: 'keyCompromise' } });
      expect(revoked.status).toBe(200);
    } finally {
      await startStoppedService('notifications');
    }
    // The event waited in the stream: the alert is recorded and delivered after the restart.
    const alerts = await waitFor(
      async () => {
        const rows = await revokedAlerts(created.body.id);
        return rows.length ? rows : undefined;
      },
      60000,
      'the revocation alert after notifications came back',
    );
    expect(alerts).toHaveLength(1);
    await waitFor(async () => (received.some((b) => b.includes(created.body.id)) ? true : undefined), 60000, 'the webhook delivery');

    // Acknowledged: a restart does not deliver the event again.
    await stopService('notifications', 'SIGTERM');
    await startStoppedService('notifications');
    // The restarted consumer pulls and has nothing left to deliver or awaiting acknowledgement:
    // a repeat of the event could only come from there.
    await waitConsumerSettled('notifications', 'certificate-revoked');
    expect(await revokedAlerts(created.body.id)).toHaveLength(1);
    expect(received.filter((b) => b.includes(created.body.id))).toHaveLength(1);
  }, 240000);
});
