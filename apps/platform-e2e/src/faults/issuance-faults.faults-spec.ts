import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { ServiceName } from '@certctl/testing';
import { E2E_DIR, readState } from '../e2e-env';
import { api, waitFor } from '../http';
import { type FaultTarget, crash, servicePids, waitAllReady, waitNotReady } from './fault-support';
import { WebhookReceiver, expectNotifiedOnce, expectRenewedOnce, jobCounts, prepareRenewals } from './renewal-workload';

/**
 * Faults injected while work is in flight: N renewals (each a signed certificate, a new version
 * and a webhook notification) are under way when one part of the platform is killed with
 * SIGKILL and started again a few seconds later, one part per round; PostgreSQL is also held
 * down for 30 s. After each round every job is final, nothing is lost and nothing is doubled;
 * a dependency's outage turns the services that use it not-ready, and they become ready again
 * on their own. Then N revocations in flight lose the revocation service. The figures go to
 * <data dir>/e2e/faults.json (docs/reliability.md quotes them).
 */
const N = Number(process.env.CERTCTL_FAULTS_CERTIFICATES ?? 1000);
const DOWN_MS = 3000;
const run = Date.now().toString(36);
const prefix = `flt${run}`;
const policyId = `rp-faults-${run}`;
const seconds = (ms: number) => Math.round(ms / 100) / 10;

interface Round {
  /** 'none': the baseline round, measuring how long the same work takes without a fault. */
  target: FaultTarget | 'none';
  downMs: number;
  /** Services that must answer /ready 503 while the target is down. */
  notReady?: ServiceName[];
}

const ROUNDS: Round[] = [
  { target: 'none', downMs: 0 },
  { target: 'issuance', downMs: DOWN_MS },
  { target: 'inventory', downMs: DOWN_MS },
  { target: 'notifications', downMs: DOWN_MS },
  { target: 'scheduler', downMs: DOWN_MS },
  { target: 'gateway', downMs: DOWN_MS },
  { target: 'nats', downMs: DOWN_MS, notReady: ['inventory', 'issuance', 'notifications'] },
  { target: 'redis', downMs: DOWN_MS, notReady: ['issuance', 'notifications'] },
  { target: 'postgresql', downMs: DOWN_MS, notReady: ['inventory', 'issuance', 'notifications'] },
  { target: 'postgresql', downMs: 30000, notReady: ['inventory', 'issuance', 'notifications'] },
];

describe(`faults with ${N} renewals in flight`, () => {
  let db: Client;
  /** Each round renews certificates of its own, so a slow round cannot spill into the next. */
  const certificatesOf = new Map<number, string[]>();
  let ids: string[] = [];
  /** Milliseconds per renewal in the baseline round: the budget of a faulted round is its work at this pace, plus 60 s. */
  let msPerRenewal = 0;
  const receiver = new WebhookReceiver();
  const figures: Record<string, unknown>[] = [];
  const sql = async <T extends object>(text: string, values: unknown[] = []) => (await db.query<T>(text, values)).rows;
  const connect = async () => {
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    db.on('error', () => undefined); // a killed PostgreSQL ends this connection; the next query reconnects
    await db.connect();
  };
  /** A query that outlives a PostgreSQL restart: reconnects once when the connection was lost. */
  const query = async <T extends object>(text: string, values: unknown[] = []) => {
    try {
      return await sql<T>(text, values);
    } catch {
      await db.end().catch(() => undefined);
      await connect();
      return sql<T>(text, values);
    }
  };

  beforeAll(async () => {
    await connect();
    const batches = await prepareRenewals({
      query,
      policyId,
      name: `faults-${run}`,
      receiverUrl: await receiver.start(),
      batches: ROUNDS.map((_, round) => ({ prefix: `${prefix}r${round}`, count: N })),
    });
    batches.forEach((ids, round) => certificatesOf.set(round, ids));
  });

  afterAll(async () => {
    writeFileSync(
      join(E2E_DIR, 'faults.json'),
      `${JSON.stringify({ certificates: N, machine: { cpus: cpus().length }, rounds: figures }, null, 2)}\n`,
    );
    await receiver.close();
    await db?.end().catch(() => undefined);
  });

  const countJobs = (since: Date) => jobCounts(query, ids, since);

  it.each(
    ROUNDS.map((r, index) => [r.target === 'none' ? 'no fault (baseline)' : `${r.target} down ${seconds(r.downMs)} s`, r, index] as const),
  )(
    'ok/%s: every renewal completes once, every notification is delivered once',
    async (_label, round, index) => {
      ids = certificatesOf.get(index)!;
      const since = (await query<{ t: Date }>('SELECT now() AS t'))[0]!.t;
      const t0 = Date.now();
      const renew = await api('POST', '/api/v1/certificates/bulk-renew', { body: { ids } });
      expect(renew.status).toBeLessThan(300);
      // In flight: some renewals done, most not.
      await waitFor(async () => ((await countJobs(since)).completed ?? 0) >= Math.ceil(N / 20) || undefined, 120000, 'the first renewals');
      const before = await countJobs(since);
      const pidsBefore = servicePids();
      let notReady: Record<string, number> | undefined;
      if (round.target !== 'none') {
        await crash(round.target, round.downMs, async () => {
          if (round.notReady) notReady = await waitNotReady(round.notReady);
        });
      }
      const tBack = Date.now();
      const readyMs = await waitAllReady(90000);
      if (round.notReady) {
        // The services noticed the outage, and came back without a restart of their own.
        expect(notReady).toBeDefined();
        expect(servicePids()).toEqual(pidsBefore);
      }
      const final = await waitFor(
        async () => {
          const counts = await countJobs(since);
          const open = Object.entries(counts).filter(([s]) => !['completed', 'failed', 'cancelled'].includes(s));
          return open.length === 0 && Object.values(counts).reduce((a, b) => a + b, 0) === N ? counts : undefined;
        },
        // What was left when the target came back, at the baseline's pace, plus 60 s (the baseline: 10 min).
        round.target === 'none' ? 600000 : 60000 + Math.ceil((N - (before.completed ?? 0)) * msPerRenewal),
        `all ${N} renewal jobs to be final after the ${round.target} fault`,
        500,
      );
      const tFinal = Date.now();
      expect(final).toEqual({ completed: N });
      if (round.target === 'none') msPerRenewal = (tFinal - t0) / N;

      // Nothing doubled: one new version and one signed certificate per job. Nothing lost: a
      // certificate.issued notification per renewal, each delivered.
      await expectRenewedOnce(query, ids, since);
      const repeated = await expectNotifiedOnce(query, receiver, ids, since, {
        timeoutMs: 120000,
        what: `after the ${round.target} fault`,
      });
      const tDelivered = Date.now();
      // Delivery is at least once: a webhook cut off by the kill of the notifications service, or
      // sent while PostgreSQL could not record it, is sent again (the receiver dedupes by the
      // notification id): at most the deliveries then in flight. Otherwise exactly once.
      if (round.target === 'notifications' || round.target === 'postgresql') expect(repeated).toBeLessThanOrEqual(50);
      else expect(repeated).toBe(0);

      figures.push({
        fault: round.target === 'none' ? 'none (baseline)' : `${round.target} SIGKILL, down ${seconds(round.downMs)} s`,
        completed_before_fault: before.completed ?? 0,
        webhooks_repeated: repeated,
        not_ready_seen: notReady ?? null,
        all_ready_after_restart_s: seconds(readyMs),
        all_final_after_restart_s: seconds(tFinal - tBack),
        all_delivered_after_restart_s: seconds(tDelivered - tBack),
        round_s: seconds(tDelivered - t0),
        load_average: loadavg()[0],
      });
    },
    1200000,
  );

  it('ok/revocation down mid bulk revocation: every certificate is revoked once', async () => {
    ids = certificatesOf.get(0)!;
    const since = (await query<{ t: Date }>('SELECT now() AS t'))[0]!.t;
    const t0 = Date.now();
    const started = await api('POST', '/api/v1/certificates/bulk-revoke', { body: { ids, reason: 'superseded' } });
    expect(started.status).toBeLessThan(300);
    const jobId = started.body.id as string;
    await waitFor(
      async () =>
        (
          await query<{ n: number }>(`SELECT count(*)::int AS n FROM revocations WHERE certificate_id = ANY($1) AND created_at >= $2`, [
            ids,
            since,
          ])
        )[0]!.n >=
        N / 20
          ? true
          : undefined,
      120000,
      'the first revocations',
    );
    const tFault = Date.now();
    await crash('revocation', DOWN_MS);
    const tBack = Date.now();
    const job = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/certificates/bulk-revoke/${jobId}`);
        return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
      },
      60000 + 2 * (tFault - t0) * 20,
      'the bulk revocation to finish',
      500,
    );
    const tFinal = Date.now();
    expect(job).toMatchObject({ status: 'completed', total: N, revoked: N, failed: 0 });
    const rows = await query<{ serials: number; rows: number; certs: number }>(
      `SELECT count(DISTINCT (issuer_id, serial_number))::int AS serials, count(*)::int AS rows, count(DISTINCT certificate_id)::int AS certs
         FROM revocations WHERE certificate_id = ANY($1) AND created_at >= $2`,
      [ids, since],
    );
    // The revocation of each certificate's current version, once.
    expect(rows[0]).toEqual({ serials: N, rows: N, certs: N });
    const status = await query<{ n: number }>(`SELECT count(*)::int AS n FROM certificates WHERE id = ANY($1) AND status = 'revoked'`, [
      ids,
    ]);
    expect(status[0]!.n).toBe(N);
    figures.push({
      fault: `revocation SIGKILL mid bulk revocation, down ${seconds(DOWN_MS)} s`,
      all_final_after_restart_s: seconds(tFinal - tBack),
      round_s: seconds(tFinal - t0),
      load_average: loadavg()[0],
    });
  }, 1200000);
});
