import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { FaultMode, FaultProxyStats, ServiceName } from '@certctl/testing';
import { E2E_DIR, readState } from '../e2e-env';
import { api, waitFor } from '../http';
import { circuitOpenings, servicePids, waitAllReady, waitNotReady } from './fault-support';
import { type FaultProxiesState, type ProxiedDependency, PROXIED, injectFault, proxyReport } from './fault-proxies';
import { WebhookReceiver, expectNotifiedOnce, expectRenewedOnce, jobCounts, prepareRenewals } from './renewal-workload';

/**
 * Slow and unreliable dependencies while work is in flight (the stack runs with fault proxies in
 * front of PostgreSQL, Redis and NATS: CERTCTL_FAULT_PROXIES=1, set by tools/testing/faults.sh).
 * N renewals (each a signed certificate, a new version and a webhook notification) are under way
 * while one dependency is slow (latency each way, for the whole round), stalled (a partition:
 * connections stay open, nothing comes back, no RST) or resets its connections. After each round
 * every job is final, nothing is lost and nothing is doubled; during a stall the services that use
 * the dependency turn not-ready within seconds, and the gateway answers within a bounded time (a
 * typed 503/504 problem when it cannot answer) instead of hanging. Figures go to
 * <data dir>/e2e/slow-dependencies.json (docs/reliability.md quotes them).
 */
const N = Number(process.env.CERTCTL_FAULTS_CERTIFICATES ?? 1000);
/** Latency added each way by a slow dependency's proxy (± jitter). */
const LATENCY_MS = Number(process.env.CERTCTL_FAULTS_LATENCY_MS ?? 50);
const JITTER_MS = 10;
/** The longest a gateway request may take while a dependency is stalled. */
const GATEWAY_BOUND_MS = 15000;
const run = Date.now().toString(36);
const prefix = `slw${run}`;
const policyId = `rp-slow-${run}`;
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Round {
  label: string;
  /** The dependency whose proxy is switched (none: the baseline). */
  dependency?: ProxiedDependency;
  mode?: FaultMode;
  /** A fault held this long once the first renewals are done; undefined: the mode holds for the whole round. */
  holdMs?: number;
  /** Services that must answer /ready 503 while the fault holds. */
  notReady?: ServiceName[];
}

const slow: FaultMode = { mode: 'latency', ms: LATENCY_MS, jitterMs: JITTER_MS };
const lossy: FaultMode = { mode: 'loss', stallProbability: 0.05, stallMs: 200 };
const ROUNDS: Round[] = [
  { label: 'no fault (baseline)' },
  { label: `postgresql +${LATENCY_MS} ms each way`, dependency: 'postgresql', mode: slow },
  { label: `redis +${LATENCY_MS} ms each way`, dependency: 'redis', mode: slow },
  { label: `nats +${LATENCY_MS} ms each way`, dependency: 'nats', mode: slow },
  // Packet loss as TCP shows it (a lost segment arrives late, after its retransmission), for the
  // whole round: 5 % of the chunks each way held 200 ms.
  { label: 'postgresql lossy (5 % of chunks 200 ms late)', dependency: 'postgresql', mode: lossy },
  { label: 'nats lossy (5 % of chunks 200 ms late)', dependency: 'nats', mode: lossy },
  {
    label: 'postgresql stalled 20 s',
    dependency: 'postgresql',
    mode: { mode: 'stall' },
    holdMs: 20000,
    notReady: ['inventory', 'issuance', 'notifications'],
  },
  {
    label: 'nats stalled 10 s',
    dependency: 'nats',
    mode: { mode: 'stall' },
    holdMs: 10000,
    notReady: ['inventory', 'issuance', 'notifications'],
  },
  { label: 'redis stalled 10 s', dependency: 'redis', mode: { mode: 'stall' }, holdMs: 10000, notReady: ['issuance', 'notifications'] },
  { label: 'postgresql resetting connections 5 s', dependency: 'postgresql', mode: { mode: 'reset' }, holdMs: 5000 },
  // The first round also warms up the stack (code paths compiled, connections opened): a second
  // baseline at the end, and throughput compared with the mean of both.
  { label: 'no fault (baseline again)' },
];

/** What the proxy did during a round: connections accepted and reset, chunks held, bytes (open: at its end). */
const statsDelta = (a: FaultProxyStats, b: FaultProxyStats) => ({
  accepted: b.accepted - a.accepted,
  reset: b.reset - a.reset,
  stalled_chunks: b.stalledChunks - a.stalledChunks,
  bytes: b.bytes - a.bytes,
  open: b.open,
});

/** One gateway request made while a fault held: its answer and how long it took. */
interface Probe {
  status: number;
  ms: number;
  problem?: string;
}

describe(`slow and stalled dependencies with ${N} renewals in flight`, () => {
  let db: Client;
  let proxies: FaultProxiesState | undefined;
  const certificatesOf = new Map<number, string[]>();
  let ids: string[] = [];
  /** Milliseconds per renewal in the baseline round (until the last notification was delivered). */
  let baselineMs = 0;
  const receiver = new WebhookReceiver();
  const figures: Record<string, unknown>[] = [];
  /** The test's own queries go to PostgreSQL directly, never through the proxy it stalls. */
  const query = async <T extends object>(text: string, values: unknown[] = []) => (await db.query<T>(text, values)).rows;

  beforeAll(async () => {
    const state = readState();
    proxies = state.faultProxies;
    // Without proxies there is nothing to slow down: the suite needs tools/testing/faults.sh's stack.
    expect(proxies).toBeDefined();
    db = new Client({ connectionString: proxies!.direct.DATABASE_URL });
    await db.connect();
    const batches = await prepareRenewals({
      query,
      policyId,
      name: `slow-${run}`,
      receiverUrl: await receiver.start(),
      batches: ROUNDS.map((_, round) => ({ prefix: `${prefix}r${round}`, count: N })),
    });
    batches.forEach((ids, round) => certificatesOf.set(round, ids));
  });

  afterAll(async () => {
    // Throughput relative to the mean of the two baseline rounds (1: as fast, 0.5: half as fast).
    const baselines = figures.filter((f) => f.baseline).map((f) => f.renewals_per_s as number);
    const mean = baselines.reduce((a, b) => a + b, 0) / Math.max(1, baselines.length);
    for (const f of figures) f.vs_baseline = mean > 0 ? Math.round(((f.renewals_per_s as number) / mean) * 100) / 100 : null;
    // A failed round must not leave a dependency slow for what runs next.
    if (proxies)
      for (const name of Object.keys(PROXIED) as ProxiedDependency[])
        await injectFault(proxies, name, { mode: 'pass' }).catch(() => undefined);
    writeFileSync(
      join(E2E_DIR, 'slow-dependencies.json'),
      `${JSON.stringify({ certificates: N, latency_each_way_ms: LATENCY_MS, jitter_ms: JITTER_MS, machine: { cpus: cpus().length }, rounds: figures }, null, 2)}\n`,
    );
    await receiver.close();
    await db?.end().catch(() => undefined);
  });

  const countJobs = (since: Date) => jobCounts(query, ids, since);

  /** Gateway requests one after another until `until` resolves: each one's status and time. */
  const probeGateway = async (until: Promise<unknown>): Promise<Probe[]> => {
    let done = false;
    void until.finally(() => (done = true));
    const probes: Probe[] = [];
    while (!done) {
      const t0 = Date.now();
      let probe: Probe;
      try {
        const r = await api('GET', '/api/v1/certificates?limit=1');
        probe = { status: r.status, ms: Date.now() - t0 };
        if (r.status >= 500) {
          // A typed problem, not an empty or HTML error.
          expect(r.headers.get('content-type')).toContain('application/problem+json');
          probe.problem = String(r.body.type);
        }
      } catch (err) {
        probe = { status: 0, ms: Date.now() - t0, problem: (err as Error).message };
      }
      probes.push(probe);
      await sleep(500);
    }
    return probes;
  };

  it.each(ROUNDS.map((r, index) => [r.label, r, index] as const))(
    'ok/%s: every renewal completes once, every notification is delivered once',
    async (_label, round, index) => {
      ids = certificatesOf.get(index)!;
      const since = (await query<{ t: Date }>('SELECT now() AS t'))[0]!.t;
      const pidsBefore = servicePids();
      const circuitsBefore = await circuitOpenings();
      const statsBefore = round.dependency ? (await proxyReport(proxies!))[round.dependency]!.stats : undefined;
      const t0 = Date.now();
      // A slow dependency is slow for the whole round.
      if (round.mode && round.holdMs === undefined) await injectFault(proxies, round.dependency!, round.mode);
      let tBack = t0;
      let notReady: Record<string, number> | undefined;
      let notReadyAfterMs: number | undefined;
      let probes: Probe[] = [];
      let before: Record<string, number> = {};
      let faultStats: unknown;
      try {
        const renew = await api('POST', '/api/v1/certificates/bulk-renew', { body: { ids } });
        expect(renew.status).toBeLessThan(300);
        await waitFor(
          async () => ((await countJobs(since)).completed ?? 0) >= Math.ceil(N / 20) || undefined,
          180000,
          'the first renewals',
        );
        before = await countJobs(since);
        if (round.holdMs !== undefined) {
          // The fault, held while the readiness of the services and the gateway's answers are watched.
          const tFault = Date.now();
          await injectFault(proxies, round.dependency!, round.mode!);
          const hold = sleep(round.holdMs);
          const watched = round.notReady
            ? waitNotReady(round.notReady, round.holdMs).then((r) => {
                notReady = r;
                notReadyAfterMs = Date.now() - tFault;
              })
            : Promise.resolve();
          [probes] = await Promise.all([probeGateway(hold), watched, hold]);
        }
      } finally {
        if (round.mode) faultStats = statsDelta(statsBefore!, (await proxyReport(proxies!))[round.dependency!]!.stats);
        if (round.holdMs !== undefined && round.mode) await injectFault(proxies, round.dependency!, { mode: 'pass' });
        tBack = Date.now();
      }
      const readyMs = await waitAllReady(90000);
      if (round.notReady) {
        // Noticed within seconds (readiness gives each check 2 s), and recovered without a restart.
        expect(notReady).toBeDefined();
        expect(notReadyAfterMs).toBeLessThan(10000);
      }
      expect(servicePids()).toEqual(pidsBefore);
      if (round.holdMs !== undefined) {
        // The gateway kept answering within the bound: never a hang, a 5xx only as a typed problem.
        expect(probes.length).toBeGreaterThan(0);
        expect(probes.filter((p) => p.ms >= GATEWAY_BOUND_MS || p.status === 0)).toEqual([]);
        expect(probes.filter((p) => p.status >= 500 && ![503, 504].includes(p.status))).toEqual([]);
        // PostgreSQL or NATS stalled: listing certificates cannot be answered, and says so.
        if (round.mode?.mode === 'stall' && round.dependency !== 'redis')
          expect(probes.some((p) => [503, 504].includes(p.status))).toBe(true);
      }
      const final = await waitFor(
        async () => {
          const counts = await countJobs(since);
          const open = Object.entries(counts).filter(([s]) => !['completed', 'failed', 'cancelled'].includes(s));
          return open.length === 0 && Object.values(counts).reduce((a, b) => a + b, 0) === N ? counts : undefined;
        },
        // The baseline: 10 min. A slow round: ten times the baseline's pace, plus 2 min. After a fault: twice, plus 1 min.
        index === 0 ? 600000 : round.holdMs === undefined ? 120000 + 10 * N * baselineMs : 60000 + 2 * N * baselineMs,
        `all ${N} renewal jobs to be final (${round.label})`,
        500,
      );
      const tFinal = Date.now();
      expect(final).toEqual({ completed: N });
      const circuitsAfter = await circuitOpenings();
      const circuitsOpened = Object.fromEntries(
        Object.entries(circuitsAfter)
          .map(([name, opened]) => [name, opened - circuitsBefore[name as ServiceName]] as const)
          .filter(([, opened]) => opened > 0),
      );
      // PostgreSQL stalled: inventory answers nothing within its callers' bus timeout, so their
      // circuits towards it open and their calls fail at once until a probe is answered again.
      if (round.dependency === 'postgresql' && round.mode?.mode === 'stall') expect(circuitsOpened).not.toEqual({});
      // Jobs started more than once (a lease that ran out, or an attempt that failed and was retried).
      const restarted = (
        await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM jobs WHERE certificate_id = ANY($1) AND created_at >= $2 AND attempts > 1`,
          [ids, since],
        )
      )[0]!.n;
      await expectRenewedOnce(query, ids, since);
      const repeated = await expectNotifiedOnce(query, receiver, ids, since, { timeoutMs: 180000, what: round.label });
      const tDelivered = Date.now();
      if (round.mode && round.holdMs === undefined) await injectFault(proxies, round.dependency!, { mode: 'pass' });
      // Exactly once, except a webhook sent while PostgreSQL could not record it (stalled, or
      // its connections reset): sent again, at most the deliveries then in flight.
      if (round.dependency === 'postgresql' && round.holdMs !== undefined) expect(repeated).toBeLessThanOrEqual(50);
      else expect(repeated).toBe(0);

      const roundMs = tDelivered - t0;
      if (index === 0) baselineMs = roundMs / N;
      figures.push({
        fault: round.label,
        baseline: round.mode === undefined,
        renewals_per_s: Math.round((N / roundMs) * 10000) / 10,
        completed_before_fault: round.holdMs === undefined ? null : (before.completed ?? 0),
        not_ready_seen: notReady ?? null,
        not_ready_after_s: notReadyAfterMs === undefined ? null : seconds(notReadyAfterMs),
        gateway_during_fault:
          probes.length === 0
            ? null
            : {
                requests: probes.length,
                statuses: probes.reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.status]: (acc[p.status] ?? 0) + 1 }), {}),
                slowest_s: seconds(Math.max(...probes.map((p) => p.ms))),
              },
        proxy: faultStats ?? null,
        circuits_opened: circuitsOpened,
        all_ready_after_fault_s: round.holdMs === undefined ? null : seconds(readyMs),
        all_final_after_fault_s: round.holdMs === undefined ? null : seconds(tFinal - tBack),
        jobs_started_more_than_once: restarted,
        webhooks_repeated: repeated,
        round_s: seconds(roundMs),
        load_average: loadavg()[0],
      });
    },
    1200000,
  );
});
