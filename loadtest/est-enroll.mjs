#!/usr/bin/env node
/* global performance, fetch */
// EST simpleenroll per second: N enrollments (each a new ECDSA P-256 CSR for its own name,
// generated before the clock starts) by `--concurrency` concurrent clients with HTTP Basic auth,
// each answered with the issued certificate (certs-only PKCS#7). Reports median/p95/p99 latency
// and enrollments per second. Against `npm start`'s demo EST profile by default:
//
//   node loadtest/est-enroll.mjs [--enrollments 200] [--concurrency 20] [--label demo] \
//     [--password-file .local/est-demo-password] [--url http://127.0.0.1:8080]
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as x509 from '@peculiar/x509';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.LOADTEST_URL ?? `http://127.0.0.1:${process.env.CERTCTL_GATEWAY_PORT || 8080}` },
    enrollments: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '20' },
    label: { type: 'string', default: 'demo' },
    'password-file': { type: 'string', default: `${process.env.CERTCTL_DATA_DIR || '.local'}/est-demo-password` },
  },
});
const total = Number(values.enrollments);
const concurrency = Number(values.concurrency);
const endpoint = `${values.url.replace(/\/+$/, '')}/.well-known/est/${values.label}/simpleenroll`;
const password = readFileSync(values['password-file'], 'utf8').trim();
const authorization = `Basic ${Buffer.from(`loadtest:${password}`).toString('base64')}`;
const run = Date.now().toString(36);
x509.cryptoProvider.set(webcrypto);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function csr(i) {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=est-${run}-${i}.loadtest.test`,
    keys,
    signingAlgorithm: alg,
  });
  return Buffer.from(req.rawData).toString('base64');
}

async function enrollOnce(body) {
  const started = performance.now();
  const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/pkcs10', authorization }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  return performance.now() - started;
}

const csrs = [];
for (let i = 0; i < total; i++) csrs.push(await csr(i));
console.log(`[est] ${total} CSRs ready; enrolling at ${endpoint} with ${concurrency} concurrent clients`);

const latencies = [];
const failures = [];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const body = csrs[next++];
      try {
        latencies.push(await enrollOnce(body));
      } catch (err) {
        failures.push(err.message);
      }
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const sorted = latencies.sort((a, b) => a - b);
const ms = (v) => `${Math.round(v ?? 0)} ms`;
console.log(
  `[est] ${latencies.length}/${total} enrolled in ${seconds.toFixed(1)} s: ${(latencies.length / seconds).toFixed(1)} enrollments/s; ` +
    `median ${ms(pct(sorted, 50))}, p95 ${ms(pct(sorted, 95))}, p99 ${ms(pct(sorted, 99))}, max ${ms(sorted.at(-1))}`,
);
if (failures.length) {
  console.log(`[est] ${failures.length} failed, first: ${failures[0]}`);
  process.exit(1);
}
