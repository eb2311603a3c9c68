import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { startService, waitReady } from '@certctl/testing';
import { readState, writeState } from './e2e-env';
import { api, validCertificate, waitFor } from './http';

describe('notifications survive a killed service', () => {
  it('ok/killing the notifications service mid-delivery and restarting it loses nothing', async () => {
    const suffix = Date.now().toString(36);
    const policyId = `rp-e2e-crash-${suffix}`;
    const state = readState();
    const db = new Client({ connectionString: state.env.DATABASE_URL });
    await db.connect();
    await db
      .query(`INSERT INTO renewal_policies (id, name, auto_renew, updated_at) VALUES ($1, $1, false, now())`, [policyId])
      .finally(() => db.end());

    // A receiver that holds every request until released, so deliveries are in flight when the service dies.
    let released = false;
    const held: ServerResponse[] = [];
    const seen = new Map<string, number>();
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const id = (JSON.parse(body) as { id: string }).id;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (released) res.writeHead(200).end('{}');
        else held.push(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const ch = await api('POST', '/api/v1/notification-channels', {
        body: { name: `crash-${suffix}`, type: 'webhook', config: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` } },
      });
      expect(ch.status).toBe(201);
      const rule = await api('POST', '/api/v1/notification-rules', {
        body: { name: `crash-${suffix}`, renewal_policy_id: policyId, events: ['certificate.issued'], channel_ids: [ch.body.id] },
      });
      expect(rule.status).toBe(201);

      const certs: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await api('POST', '/api/v1/certificates', {
          body: { ...validCertificate(`crash-${suffix}-${i}`), renewal_policy_id: policyId },
        });
        expect(r.status).toBe(201);
        certs.push(r.body.id);
      }
      // Every row is written (before delivery) and every delivery is in flight.
      const rows = await waitFor(
        async () => {
          const lists = await Promise.all(certs.map((c) => api('GET', `/api/v1/notifications?certificate_id=${c}`)));
          const all = lists.flatMap((l) => l.body.data ?? []);
          return all.length === certs.length && held.length === certs.length ? all : undefined;
        },
        30000,
        'five notifications in flight',
      );

      process.kill(state.pids.notifications, 'SIGKILL');
      await waitFor(
        async () => {
          try {
            process.kill(state.pids.notifications, 0);
            return undefined;
          } catch {
            return true;
          }
        },
        10000,
        'the notifications service to die',
      );
      held.splice(0).forEach((r) => r.destroy());
      released = true;
      const child = startService('notifications', { env: { ...state.env }, port: state.ports.notifications, logDir: state.logDir });
      await waitReady(`http://127.0.0.1:${state.ports.notifications}/ready`, 30000, () => child.exitCode === null);
      writeState({ ...state, pids: { ...state.pids, notifications: child.pid! } });

      for (const n of rows as { id: string }[]) {
        const sent = await waitFor(
          async () => {
            const r = await api('GET', `/api/v1/notifications/${n.id}`);
            return r.body.status === 'sent' ? r.body : undefined;
          },
          90000,
          `notification ${n.id} to be delivered after the restart`,
        );
        expect(sent.delivered_attempt).toBe(1);
        expect(seen.get(n.id)).toBeGreaterThanOrEqual(2); // the attempt cut off by the kill, then the one after the restart
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 150000);
});
