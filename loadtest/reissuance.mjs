#!/usr/bin/env node
// Emergency fleet re-issuance, end to end: N certificates issued by one intermediate (seeded
// straight into PostgreSQL, then given their first version with one bulk renewal), then one
// POST /api/v1/reissuance-campaigns replacing them all from a new issuer and revoking the old
// versions (keyCompromise). Prints the campaign's wall time and rate, checks that every
// certificate has exactly two versions and every old serial is revoked, and writes
// loadtest/results/reissuance-<time>.json. docs/fleet-reissuance.md quotes its numbers.
//
// Needs a running stack (npm start) whose scheduler runs the reissuance loop. Usage:
//   node loadtest/reissuance.mjs [--count 1000] [--rate 100000] [--url http://127.0.0.1:8080] [--key <admin key>] [--timeout 1800]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT, arg, benchTarget } from './lib/bench.mjs';

const count = Number(arg('count', process.env.LOADTEST_COUNT ?? 1000));
if (!Number.isInteger(count) || count < 1 || count > 10000) {
  console.error('--count must be an integer from 1 to 10000');
  process.exit(2);
}
const rate = Number(arg('rate', 100000));
const timeoutS = Number(arg('timeout', 1800));
const { dbUrl, api } = benchTarget();
const db = new pg.Client({ connectionString: dbUrl });
await db.connect();
const run = `rib-${Date.now().toString(36)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, check) {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutS} s waiting for ${what}`);
    await sleep(1000);
  }
}

// 1. A root, an intermediate under it (the one "compromised") and a new issuing CA.
const root = await api('POST', '/api/v1/issuers', { id: `${run}-root`, name: `${run} root`, type: 'local', path_length: 1 });
const mid = await api('POST', '/api/v1/issuers', {
  id: `${run}-mid`,
  name: `${run} mid`,
  type: 'local',
  parent_id: root.id,
  path_length: 0,
});
const fresh = await api('POST', '/api/v1/issuers', {
  id: `${run}-new`,
  name: `${run} new`,
  type: 'local',
  parent_id: root.id,
  path_length: 0,
});

// 2. N certificates on the intermediate, and their first versions through one bulk renewal.
const seeded = await db.query(
  `INSERT INTO certificates (id, name, common_name, sans, status, issuer_id, owner_id, team_id, renewal_policy_id, expires_at, source, updated_at)
   SELECT 'cert-${run}-' || g, '${run}-' || g, '${run}-' || g || '.bench.example.com', ARRAY['${run}-' || g || '.bench.example.com'],
          'active', $2, 'o-alice', 't-platform', 'rp-standard', now() + interval '10 days', 'loadtest-fixture', now()
   FROM generate_series(1, $1::int) g RETURNING id`,
  [count, mid.id],
);
const ids = seeded.rows.map((r) => r.id);
const first = await api('POST', '/api/v1/certificates/bulk-renew', { ids });
console.log(`[bench] ${ids.length} certificates on ${mid.id}; first versions: ${first.queued} queued`);
await waitFor('the first versions', async () => {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM certificates WHERE id = ANY($1::text[]) AND current_version_id IS NOT NULL`,
    [ids],
  );
  return rows[0].n === ids.length;
});

// 3. The campaign, timed from the request to completed.
const t0 = Date.now();
const campaign = await api('POST', '/api/v1/reissuance-campaigns', {
  issuer_id: mid.id,
  new_issuer_id: fresh.id,
  revoke_old: 'keyCompromise',
  rate_per_minute: rate,
});
console.log(`[bench] campaign ${campaign.id}: ${campaign.progress.total} items, created in ${Date.now() - t0} ms`);
let last = '';
const done = await waitFor('the campaign to complete', async () => {
  const c = await api('GET', `/api/v1/reissuance-campaigns/${campaign.id}`);
  const line = `${c.status} done ${c.progress.done} failed ${c.progress.failed} remaining ${c.progress.remaining} (${c.progress.rate_per_minute}/min)`;
  if (line !== last) console.log(`[bench] ${Math.round((Date.now() - t0) / 1000)} s: ${line}`);
  last = line;
  return c.status === 'completed' ? c : undefined;
});
const seconds = (Date.now() - t0) / 1000;

// 4. Nothing lost, nothing doubled, every old serial revoked.
const versions = await db.query(
  `SELECT count(*)::int AS n, count(*) FILTER (WHERE v.issuer_id = $2)::int AS fresh FROM certificate_versions v WHERE v.certificate_id = ANY($1::text[])`,
  [ids, fresh.id],
);
const revoked = await db.query(
  `SELECT count(*)::int AS n FROM revocations WHERE issuer_id = $1 AND reason = 'keyCompromise' AND certificate_id = ANY($2::text[])`,
  [mid.id, ids],
);
const result = {
  run,
  count,
  rate_per_minute: rate,
  campaign_id: campaign.id,
  seconds: Math.round(seconds * 10) / 10,
  certificates_per_second: Math.round((count / seconds) * 100) / 100,
  done: done.progress.done,
  failed: done.progress.failed,
  versions: versions.rows[0].n,
  versions_from_new_issuer: versions.rows[0].fresh,
  old_versions_revoked: revoked.rows[0].n,
  machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 10) / 10) },
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(join(ROOT, 'loadtest', 'results'), { recursive: true });
writeFileSync(
  join(ROOT, 'loadtest', 'results', `reissuance-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  `${JSON.stringify(result, null, 2)}\n`,
);
await db.end();
const ok =
  result.done === count &&
  result.versions === 2 * count &&
  result.versions_from_new_issuer === count &&
  result.old_versions_revoked === count;
if (!ok) {
  console.error('[bench] FAILED: not every certificate was replaced exactly once with its old version revoked');
  process.exit(1);
}
