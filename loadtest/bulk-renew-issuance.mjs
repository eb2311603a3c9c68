#!/usr/bin/env node
// End-to-end issuance throughput: seeds N active certificates on the local CA (straight into
// PostgreSQL, as seed-certificates.mjs does), renews them all with one
// POST /api/v1/certificates/bulk-renew, then waits until every renewal job is completed —
// each one a fresh ECDSA P-256 server-side key and a certificate signed by iss-local, stored
// in issued_certificates and certificate_versions. Prints the wall time, certificates per
// second and job latency (jobs.created_at → completed_at) median/p95/p99, and writes
// loadtest/results/bulk-renew-issuance-<time>.json.
//
// Needs a running stack (npm start). Usage:
//   node loadtest/bulk-renew-issuance.mjs [--count 10000] [--url http://127.0.0.1:8080] [--key <admin key>] [--timeout 600]
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { ROOT, arg, benchTarget, cpuMsPer, stackCpuSeconds } from './lib/bench.mjs';

const count = Number(arg('count', process.env.LOADTEST_COUNT ?? 10000));
if (!Number.isInteger(count) || count < 1 || count > 10000) {
  console.error('--count must be an integer from 1 to 10000 (one bulk-renew call takes at most 10,000 ids)');
  process.exit(2);
}
const timeoutS = Number(arg('timeout', 600));
const { dataDir, dbUrl, api } = benchTarget();

const db = new pg.Client({ connectionString: dbUrl });
await db.connect();
const run = `bri-${Date.now().toString(36)}`;

// 1. N active certificates on iss-local without a profile: their renewals use a server-generated
//    ECDSA P-256 key (the default) and go straight to the queue (no approval, no agent).
const seeded = await db.query(
  `INSERT INTO certificates (id, name, common_name, sans, status, issuer_id, owner_id, team_id, renewal_policy_id, expires_at, source, updated_at)
   SELECT 'cert-${run}-' || g, '${run}-' || g, '${run}-' || g || '.bench.example.com', ARRAY['${run}-' || g || '.bench.example.com'],
          'active', 'iss-local', 'o-alice', 't-platform', 'rp-standard', now() + interval '10 days', 'loadtest-fixture', now()
   FROM generate_series(1, $1::int) g RETURNING id`,
  [count],
);
const ids = seeded.rows.map((r) => r.id);
console.log(`[bench] seeded ${ids.length} certificates (${run}) on iss-local`);

// 2. One bulk renew; 3. poll the jobs table until every job is completed (or failed).
const cpuBefore = stackCpuSeconds(dataDir);
const t0 = Date.now();
const res = await api('POST', '/api/v1/certificates/bulk-renew', { ids });
const tAccepted = Date.now();
console.log(`[bench] bulk-renew answered in ${tAccepted - t0} ms: ${res.queued} queued, ${res.skipped.length} skipped`);
const jobIds = res.jobs.map((j) => j.job_id);
let last = '';
for (;;) {
  const { rows } = await db.query(`SELECT status::text, count(*)::int AS n FROM jobs WHERE id = ANY($1::text[]) GROUP BY 1`, [jobIds]);
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  const done = (by.completed ?? 0) + (by.failed ?? 0);
  const line = JSON.stringify(by);
  if (line !== last) {
    console.log(`[bench] ${((Date.now() - t0) / 1000).toFixed(1)} s ${line}`);
    last = line;
  }
  if (done === jobIds.length) break;
  if (Date.now() - t0 > timeoutS * 1000) {
    console.error(`[bench] gave up after ${timeoutS} s`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}
const tDone = Date.now();
const cpu = cpuMsPer(cpuBefore, stackCpuSeconds(dataDir), count);
const cpuMsPerCert = Object.fromEntries(Object.entries(cpu.per_process).map(([k, v]) => [k, +v.toFixed(2)]));
const cpuTotalMs = cpu.total;

// Latencies from the jobs table (server-side clocks), wall time from the client.
const { rows: lat } = await db.query(
  `SELECT status::text, attempts, extract(epoch FROM completed_at - created_at) * 1000 AS ms,
          extract(epoch FROM completed_at) * 1000 AS done_ms, extract(epoch FROM created_at) * 1000 AS created_ms
   FROM jobs WHERE id = ANY($1::text[])`,
  [jobIds],
);
const { rows: issued } = await db.query(
  `SELECT count(*)::int AS n, count(DISTINCT job_id)::int AS jobs FROM issued_certificates WHERE job_id = ANY($1::text[])`,
  [jobIds],
);
await db.end();
const completed = lat.filter((r) => r.status === 'completed');
const ms = completed.map((r) => Number(r.ms)).sort((a, b) => a - b);
const pct = (p) => (ms.length ? ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)] : null);
const firstCreated = Math.min(...lat.map((r) => Number(r.created_ms)));
const lastDone = Math.max(...completed.map((r) => Number(r.done_ms)));
const wallS = (tDone - t0) / 1000;
let commit = 'unknown';
let dirty = false;
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT }).toString().trim().length > 0;
} catch {
  /* not a checkout */
}
const result = {
  scenario: 'bulk-renew-issuance',
  at: new Date().toISOString(),
  count,
  run,
  bulk_renew_ms: tAccepted - t0,
  wall_s: wallS,
  server_span_s: (lastDone - firstCreated) / 1000,
  certificates_per_s: completed.length / wallS,
  completed: completed.length,
  failed: lat.length - completed.length,
  retried_jobs: lat.filter((r) => r.attempts > 1).length,
  issued_rows: issued[0].n,
  latency_ms: { p50: pct(50), p95: pct(95), p99: pct(99), max: ms.at(-1) ?? null },
  // CPU milliseconds per certificate by process, and what 2 idle cores could do at that cost.
  cpu_ms_per_certificate: cpuMsPerCert,
  cpu_ms_per_certificate_total: +cpuTotalMs.toFixed(2),
  cpu_bound_certificates_per_s_on_2_cores: +(2000 / cpuTotalMs).toFixed(0),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memory_gb: +(totalmem() / 2 ** 30).toFixed(1), loadavg: loadavg() },
  issuance_concurrency: process.env.CERTCTL_ISSUANCE_CONCURRENCY ?? '(stack default)',
  node: process.version,
  commit,
  dirty,
};
console.log(
  `[bench] ${completed.length}/${count} completed in ${wallS.toFixed(2)} s (${result.certificates_per_s.toFixed(0)} certificates/s); ` +
    `job latency p50 ${pct(50)?.toFixed(0)} ms, p95 ${pct(95)?.toFixed(0)} ms, p99 ${pct(99)?.toFixed(0)} ms; ` +
    `${result.failed} failed, ${result.retried_jobs} needed more than one attempt, ${issued[0].n} issued_certificates rows; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
);
const out = join(ROOT, 'loadtest', 'results', `bulk-renew-issuance-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2));
console.log(
  `[bench] CPU per certificate: ${Object.entries(cpuMsPerCert)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(
      ', ',
    )}; total ${cpuTotalMs.toFixed(1)} ms → at most ${result.cpu_bound_certificates_per_s_on_2_cores} certificates/s on 2 idle cores`,
);
console.log(`[bench] wrote ${out}`);
process.exit(result.failed ? 1 : 0);
