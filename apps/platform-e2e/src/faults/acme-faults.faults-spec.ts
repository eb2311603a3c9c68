import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { Client } from 'pg';
import { directoryUrl, issueWithDns01, trustPlatformCa } from '../acme-support';
import { E2E_DIR, readState } from '../e2e-env';
import { waitFor } from '../http';
import { crash, waitAllReady } from './fault-support';

/**
 * The ACME service killed (SIGKILL, back after 3 s) while ACME clients are in the middle of their
 * orders (new orders, challenges, finalizations, certificates being signed). A client whose
 * request failed starts its order again, as certbot or lego would on their next run. After the
 * restart: every client has its certificate; no order stays `processing` (an order whose
 * finalization was accepted before the kill still becomes valid); every valid order has exactly
 * one signed certificate; nothing is signed for an order that did not ask for it.
 */
const CLIENTS = Number(process.env.CERTCTL_FAULTS_ACME_CLIENTS ?? 24);
const run = Date.now().toString(36);
const fastPolling = { backoffAttempts: 30, backoffMin: 100, backoffMax: 500 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`faults with ${CLIENTS} ACME clients in flight`, () => {
  let db: Client;

  beforeAll(async () => {
    trustPlatformCa();
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
  });

  it('ok/acme down 3 s: every client gets its certificate, no order stays processing, one certificate per valid order', async () => {
    const since = (await db.query<{ t: Date }>('SELECT now() AS t')).rows[0]!.t;
    const names = Array.from({ length: CLIENTS }, (_, i) => `flt${run}-${i}.acme-faults.test`);
    let failedAttempts = 0;
    let done = 0;
    /** One client: account, order, dns-01, finalize, download; from the start again after a failure (up to 6 runs). */
    const obtain = async (name: string): Promise<string> => {
      let last: unknown;
      for (let attempt = 0; attempt < 6; attempt++) {
        try {
          const client = new acme.Client({
            directoryUrl: directoryUrl(),
            accountKey: await acme.crypto.createPrivateEcdsaKey(),
            ...fastPolling,
          });
          await client.createAccount({ termsOfServiceAgreed: true });
          const [, csr] = await acme.crypto.createCsr({ commonName: name, altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
          const pem = await issueWithDns01(client, csr);
          done++;
          return pem;
        } catch (err) {
          last = err;
          failedAttempts++;
          await sleep(1000 + Math.random() * 1000);
        }
      }
      throw new Error(`${name}: no certificate after 6 runs: ${(last as Error).message}`);
    };
    const t0 = Date.now();
    const clients = names.map((name) => obtain(name));
    // In flight: a few clients done, most not.
    await waitFor(async () => done >= Math.ceil(CLIENTS / 6) || undefined, 180000, 'the first ACME certificates', 100);
    const doneBefore = done;
    await crash('acme', 3000);
    const tBack = Date.now();
    await waitAllReady(90000);
    const pems = await Promise.all(clients);
    const tAll = Date.now();
    expect(pems.every((pem) => pem.includes('BEGIN CERTIFICATE'))).toBe(true);

    // No order left behind: each reaches valid or invalid (a pending one that no client finishes
    // expires later, as RFC 8555 allows; none may wait in processing). An order whose finalization
    // the kill interrupted, or whose job ended while its client had given up, is settled by the
    // ACME garbage collection (the scheduler's acme-gc loop, every 2 s here) once it has been
    // processing for a minute.
    const orders = await waitFor(
      async () => {
        const rows = (
          await db.query<{ id: string; status: string; job_id: string | null; identifier: string }>(
            `SELECT id, status, job_id, identifiers->0->>'value' AS identifier FROM acme_orders WHERE created_at >= $1 AND identifiers->0->>'value' LIKE $2`,
            [since, `flt${run}-%`],
          )
        ).rows;
        return rows.every((r) => r.status !== 'processing') ? rows : undefined;
      },
      150000,
      'every finalized order to leave processing',
      500,
    );
    const valid = orders.filter((o) => o.status === 'valid');
    // Each name has at least one valid order (its client's last run); each valid order one signed certificate.
    expect(new Set(valid.map((o) => o.identifier)).size).toBe(CLIENTS);
    const signed = (
      await db.query<{ job_id: string; n: number }>(
        `SELECT j.id AS job_id, count(ic.*)::int AS n FROM jobs j LEFT JOIN issued_certificates ic ON ic.job_id = j.id WHERE j.id = ANY($1) GROUP BY j.id`,
        [valid.map((o) => o.job_id)],
      )
    ).rows;
    expect(signed).toHaveLength(valid.length);
    expect(signed.filter((r) => r.n !== 1)).toEqual([]);
    // Nothing signed outside a valid order: the jobs of the other orders signed nothing.
    const others = orders.filter((o) => o.status !== 'valid' && o.job_id).map((o) => o.job_id);
    const stray = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM issued_certificates WHERE job_id = ANY($1)`, [others]))
      .rows[0]!.n;
    expect(stray).toBe(0);

    writeFileSync(
      join(E2E_DIR, 'faults-acme.json'),
      `${JSON.stringify(
        {
          clients: CLIENTS,
          done_before_fault: doneBefore,
          failed_client_runs: failedAttempts,
          orders: orders.length,
          valid_orders: valid.length,
          all_certificates_after_restart_s: Math.round((tAll - tBack) / 100) / 10,
          round_s: Math.round((tAll - t0) / 100) / 10,
          load_average: loadavg()[0],
        },
        null,
        2,
      )}\n`,
    );
  }, 900000);
});
