// The transactional outbox over the real stack: revocation writes the certificate-revoked event in
// the transaction of the revocation row and is killed (SIGKILL, test hook) after the commit and
// before its relay publishes. The restarted service publishes the event: the alert arrives once,
// and a retried revocation request adds no second event.
import { Client } from 'pg';
import { RevocationEvents } from '@certctl/contracts';
import { startHttpReceiver } from '@certctl/testing';
import { readState } from './e2e-env';
import { waitConsumerSettled } from './event-stream';
import { api, validCertificate, waitFor } from './http';
import { restartService, startStoppedService } from './restart';

describe('transactional outbox: a crash between the commit and the publish loses nothing', () => {
  const run = Date.now().toString(36);
  const team = `t-outbox-${run}`;
  const received: string[] = [];
  let channelId: string;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    receiver = await startHttpReceiver((_req, body) => {
      received.push(body);
      return 200;
    });
    expect((await api('POST', '/api/v1/teams', { body: { id: team, name: `Outbox ${run}` } })).status).toBe(201);
    const channel = await api('POST', '/api/v1/notification-channels', {
      body: { name: `outbox-${run}`, type: 'webhook', config: { url: `${receiver.url}/hook` } },
    });
    expect(channel.status).toBe(201);
    channelId = channel.body.id;
    const rule = await api('POST', '/api/v1/notification-rules', {
      body: { name: `outbox-${run}`, team_id: team, events: ['certificate.revoked'], channel_ids: [channelId] },
    });
    expect(rule.status).toBe(201);
  }, 60000);

  afterAll(async () => {
    await receiver?.close();
    await db?.end();
  });

  // This suite's channel only: other suites' rules may alert on every revocation too.
  const revokedAlerts = async (certificateId: string) =>
    (await api('GET', `/api/v1/notifications?certificate_id=${certificateId}&event=certificate.revoked&channel_id=${channelId}`)).body
      .data as { id: string }[];
  const outboxRows = async (certificateId: string) =>
    (await db.query(`SELECT id, service, subject FROM outbox_events WHERE payload->>'certificate_id' = $1`, [certificateId])).rows;

  it('ok/revocation killed after committing the revocation and its event, before publishing: restarted, it publishes the event and the alert arrives once', async () => {
    const created = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`outbox-${run}`), team_id: team } });
    expect(created.status).toBe(201);
    const certId: string = created.body.id;
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${certId}`)).body.status === 'active' ? true : undefined),
      60000,
      'the certificate to be active',
    );

    // Test hook (NODE_ENV=test builds only): the relay SIGKILLs its process when a batch holds this subject.
    const doomed = await restartService('revocation', {
      CERTCTL_TEST_CRASH_BEFORE_OUTBOX_PUBLISH: RevocationEvents.certificateRevoked.subject,
    });
    const request = api('POST', `/api/v1/certificates/${certId}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await request.catch(() => undefined); // the service died while answering: whatever the gateway said

    // Committed: the revocation row and its event; published: nothing.
    const revocation = await db.query(`SELECT serial_number FROM revocations WHERE certificate_id = $1`, [certId]);
    expect(revocation.rows).toHaveLength(1);
    const pending = await outboxRows(certId);
    expect(pending).toEqual([{ id: expect.any(String), service: 'revocation', subject: RevocationEvents.certificateRevoked.subject }]);
    expect(await revokedAlerts(certId)).toHaveLength(0);

    // Back up without the hook: its relay publishes what the dead process committed.
    await startStoppedService('revocation');
    const alerts = await waitFor(
      async () => {
        const rows = await revokedAlerts(certId);
        return rows.length ? rows : undefined;
      },
      60000,
      'the revocation alert after revocation came back',
    );
    expect(alerts).toHaveLength(1);
    await waitFor(async () => (received.some((b) => b.includes(certId)) ? true : undefined), 60000, 'the webhook delivery');
    expect(await outboxRows(certId)).toEqual([]);

    // The client retries its request (it never got an answer): the revocation converges
    // (inventory marks the certificate) and no second event is written.
    const retried = await api('POST', `/api/v1/certificates/${certId}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ created: false, serial_number: revocation.rows[0].serial_number });
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${certId}`)).body.status === 'revoked' ? true : undefined),
      30000,
      'the certificate to be revoked in inventory',
    );
    expect(await outboxRows(certId)).toEqual([]);
    // Nothing left in the outbox, and notifications has handled and acknowledged every event it
    // was given: a second event, had one been written, would have its alert by now.
    await waitConsumerSettled('notifications', 'certificate-revoked');
    expect(await revokedAlerts(certId)).toHaveLength(1);
    expect(received.filter((b) => b.includes(certId))).toHaveLength(1);
  }, 300000);
});
