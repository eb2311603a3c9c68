#!/usr/bin/env node
/* global performance, fetch */
// EST simpleenroll against the REST issuance path, side by side in one run. N certificates per
// path, each for its own name, by `--concurrency` concurrent clients:
//
// - est:  POST /.well-known/est/<label>/simpleenroll with HTTP Basic auth and a new ECDSA P-256
//         CSR (generated before the clock starts); done when the certs-only PKCS#7 arrives.
// - rest: what a REST client does for the same certificate (same issuer, certificate profile,
//         owner, team and renewal policy as the EST profile): POST /api/v1/certificates, poll
//         GET /api/v1/jobs/<id> every --poll-ms until completed, GET /api/v1/certificates/<id>/pem?part=leaf.
//
// The paths alternate ABBA over --rounds rounds (est,rest then rest,est …) so neither gets the
// quieter half of the run. Reports median/p95/p99 latency and certificates per second for each,
// and the EST/REST rate ratio. Against `npm start`'s demo EST profile by default; the REST path's
// polling needs the API rate limit out of the way (CERTCTL_RATE_LIMIT_ENABLED=false):
//
//   node loadtest/est-enroll.mjs [--enrollments 200] [--concurrency 20] [--rounds 2] [--poll-ms 100] \
//     [--paths est,rest] [--label demo] [--password-file .local/est-demo-password] [--url http://127.0.0.1:8080] [--key <admin key>]
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import * as x509 from '@peculiar/x509';
import { arg, benchTarget } from './lib/bench.mjs';

const total = Number(arg('enrollments', 200));
const concurrency = Number(arg('concurrency', 20));
const rounds = Number(arg('rounds', 2));
const pollMs = Number(arg('poll-ms', 100));
const paths = arg('paths', 'est,rest').split(',');
const label = arg('label', 'demo');
const { url, dataDir, key, api } = benchTarget();
const base = url.replace(/\/+$/, '');
const password = readFileSync(arg('password-file', `${dataDir}/est-demo-password`), 'utf8').trim();
const authorization = `Basic ${Buffer.from(`loadtest:${password}`).toString('base64')}`;
const run = Date.now().toString(36);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
x509.cryptoProvider.set(webcrypto);

if (![total, concurrency, rounds].every((v) => Number.isInteger(v) && v > 0) || total % rounds !== 0) {
  console.error('--enrollments, --concurrency and --rounds must be positive integers, --enrollments a multiple of --rounds');
  process.exit(2);
}

async function csr(name) {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${name}`, keys, signingAlgorithm: alg });
  return Buffer.from(req.rawData).toString('base64');
}

/** The EST profile's placement, which the REST path copies so both issue the same kind of certificate. */
async function estProfile() {
  const list = await api('GET', '/api/v1/enrollment-profiles?protocol=est&limit=500');
  const profile = list.data.find((p) => p.label === label);
  if (!profile) throw new Error(`no EST enrollment profile labelled ${label}`);
  return profile;
}

async function enrollEst(body) {
  const res = await fetch(`${base}/.well-known/est/${label}/simpleenroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/pkcs10', authorization },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`EST HTTP ${res.status}: ${text.slice(0, 200)}`);
}

async function issueRest(name, profile) {
  const created = await api('POST', '/api/v1/certificates', {
    name,
    common_name: name,
    sans: [name],
    issuer_id: profile.issuer_id,
    profile_id: profile.profile_id,
    owner_id: profile.owner_id,
    team_id: profile.team_id,
    renewal_policy_id: profile.renewal_policy_id,
  });
  for (;;) {
    const job = await api('GET', `/api/v1/jobs/${created.job_id}`);
    if (job.status === 'completed') break;
    if (['failed', 'cancelled'].includes(job.status)) throw new Error(`REST job ${job.id} ${job.status}: ${job.last_error ?? ''}`);
    await sleep(pollMs);
  }
  const res = await fetch(`${base}/api/v1/certificates/${created.id}/pem?part=leaf`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (res.status !== 200) throw new Error(`REST pem HTTP ${res.status}`);
  await res.text();
}

/** `count` operations by `concurrency` workers: latencies (ms), failures and wall seconds. */
async function drive(count, operation) {
  const latencies = [];
  const failures = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        try {
          await operation(i);
          latencies.push(performance.now() - t0);
        } catch (err) {
          failures.push(err.message);
        }
      }
    }),
  );
  return { latencies, failures, seconds: (performance.now() - started) / 1000 };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const perRound = total / rounds;
const profile = await estProfile();
const csrs = [];
for (let i = 0; i < total; i++) csrs.push(await csr(`est-${run}-${i}.loadtest.test`));
const operations = {
  est: (round) => (i) => enrollEst(csrs[round * perRound + i]),
  rest: (round) => (i) => issueRest(`rest-${run}-${round * perRound + i}.loadtest.test`, profile),
};
console.log(
  `[est-vs-rest] ${total} per path (${rounds} rounds of ${perRound}), ${concurrency} concurrent; EST profile ${label} ` +
    `(issuer ${profile.issuer_id}, profile ${profile.profile_id}); REST polls every ${pollMs} ms; ${base}`,
);

const results = Object.fromEntries(paths.map((p) => [p, { latencies: [], failures: [], seconds: 0 }]));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? paths : [...paths].reverse();
  for (const path of order) {
    const r = await drive(perRound, operations[path](round));
    results[path].latencies.push(...r.latencies);
    results[path].failures.push(...r.failures);
    results[path].seconds += r.seconds;
    console.log(`[${path}] round ${round + 1}: ${r.latencies.length}/${perRound} in ${r.seconds.toFixed(1)} s`);
  }
}

const ms = (v) => Math.round(v ?? 0);
const summary = {};
for (const path of paths) {
  const { latencies, failures, seconds } = results[path];
  const sorted = [...latencies].sort((a, b) => a - b);
  summary[path] = {
    done: latencies.length,
    failed: failures.length,
    seconds: Math.round(seconds * 10) / 10,
    per_second: Math.round((latencies.length / seconds) * 10) / 10,
    median_ms: ms(pct(sorted, 50)),
    p95_ms: ms(pct(sorted, 95)),
    p99_ms: ms(pct(sorted, 99)),
    max_ms: ms(sorted.at(-1)),
  };
  const s = summary[path];
  console.log(
    `[${path}] ${s.done}/${total} in ${s.seconds} s: ${s.per_second}/s; median ${s.median_ms} ms, p95 ${s.p95_ms} ms, p99 ${s.p99_ms} ms, max ${s.max_ms} ms`,
  );
  if (failures.length) console.log(`[${path}] ${failures.length} failed, first: ${failures[0]}`);
}
if (summary.est && summary.rest) {
  summary.ratio_est_to_rest = Math.round((summary.est.per_second / summary.rest.per_second) * 100) / 100;
  console.log(`[est-vs-rest] EST/REST rate ratio ${summary.ratio_est_to_rest} (above 1: EST is faster)`);
}
console.log(JSON.stringify({ ...summary, machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 10) / 10) } }));
if (paths.some((p) => results[p].failures.length)) process.exit(1);
