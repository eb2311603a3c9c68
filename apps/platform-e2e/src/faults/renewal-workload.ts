import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { insertCertificates } from '../certificate-fixtures';
import { api, waitFor } from '../http';

/**
 * The work the fault rounds keep in flight: certificates of a renewal policy of their own, bulk
 * renewed, each renewal a signed certificate, a new version and a certificate.issued webhook to a
 * receiver in the test. Shared by the kill, slow-dependency and replica specs.
 */
export type Query = <T extends object>(text: string, values?: unknown[]) => Promise<T[]>;

/** A webhook receiver on loopback counting deliveries by notification id (a repeat is a second delivery). */
export class WebhookReceiver {
  readonly delivered = new Map<string, number>();
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const id = (JSON.parse(body) as { id?: string }).id ?? 'no-id';
      this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
      res.writeHead(200).end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /** Stops listening and drops the services' keep-alive connections to it, so nothing of it stays open. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/**
 * The renewal policy `policyId`, `count` certificates under it per prefix (their ids in order), and
 * a webhook channel and rule sending its certificate.issued alerts to `receiverUrl`.
 */
export async function prepareRenewals(o: {
  query: Query;
  policyId: string;
  name: string;
  receiverUrl: string;
  batches: { prefix: string; count: number }[];
}): Promise<string[][]> {
  await o.query(`INSERT INTO renewal_policies (id, name, auto_renew, updated_at) VALUES ($1, $1, false, now())`, [o.policyId]);
  const batches: string[][] = [];
  for (const { prefix, count } of o.batches) {
    await insertCertificates({ prefix, count, renewalPolicyId: o.policyId });
    const rows = await o.query<{ id: string }>(`SELECT id FROM certificates WHERE id LIKE $1 ORDER BY id`, [`cert-${prefix}-%`]);
    expect(rows).toHaveLength(count);
    batches.push(rows.map((r) => r.id));
  }
  const channel = await api('POST', '/api/v1/notification-channels', {
    body: { name: o.name, type: 'webhook', config: { url: o.receiverUrl } },
  });
  expect(channel.status).toBe(201);
  const rule = await api('POST', '/api/v1/notification-rules', {
    body: { name: o.name, renewal_policy_id: o.policyId, events: ['certificate.issued'], channel_ids: [channel.body.id] },
  });
  expect(rule.status).toBe(201);
  return batches;
}

/** The jobs of `ids` created since `since`, by status. */
export async function jobCounts(query: Query, ids: string[], since: Date): Promise<Record<string, number>> {
  const rows = await query<{ status: string; n: number }>(
    `SELECT status::text, count(*)::int AS n FROM jobs WHERE certificate_id = ANY($1) AND created_at >= $2 GROUP BY 1`,
    [ids, since],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Nothing doubled: one new version and one signed certificate per renewal of `ids` since `since`. */
export async function expectRenewedOnce(query: Query, ids: string[], since: Date): Promise<void> {
  const n = ids.length;
  const versions = await query<{ n: number; certs: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT certificate_id)::int AS certs FROM certificate_versions WHERE certificate_id = ANY($1) AND created_at >= $2`,
    [ids, since],
  );
  expect(versions[0]).toEqual({ n, certs: n });
  const signed = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM issued_certificates ic JOIN jobs j ON j.id = ic.job_id WHERE j.certificate_id = ANY($1) AND j.created_at >= $2`,
    [ids, since],
  );
  expect(signed[0]!.n).toBe(n);
}

/**
 * Nothing lost: waits until each renewal of `ids` since `since` has its certificate.issued
 * notification sent, and checks each reached the receiver. Answers how many arrived more than once.
 */
export async function expectNotifiedOnce(
  query: Query,
  receiver: WebhookReceiver,
  ids: string[],
  since: Date,
  o: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<number> {
  const notified = await waitFor(
    async () => {
      const rows = await query<{ id: string; status: string }>(
        `SELECT id, status::text FROM notification_events WHERE certificate_id = ANY($1) AND created_at >= $2 AND type = 'certificate.issued'`,
        [ids, since],
      );
      return rows.length === ids.length && rows.every((r) => r.status === 'sent') ? rows : undefined;
    },
    o.timeoutMs,
    `${ids.length} delivered notifications${o.what ? ` (${o.what})` : ''}`,
    o.intervalMs ?? 500,
  );
  expect(notified.filter((r) => !receiver.delivered.get(r.id)).map((r) => r.id)).toEqual([]);
  return notified.filter((r) => (receiver.delivered.get(r.id) ?? 0) > 1).length;
}
