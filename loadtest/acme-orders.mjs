#!/usr/bin/env node
/* global performance */
// Complete ACME orders per second: N orders by a concurrent client (acme-client), each
// newOrder → authorization → http-01 (answered by this process's own HTTP server) →
// finalize → certificate download, `--concurrency` at a time, one account per worker.
// Optionally also times complete `lego run` issuances (account + order + http-01 + cert).
//
// The stack must validate against this machine: start it with
//   CERTCTL_ACME_HTTP01_PORT=5002 CERTCTL_ACME_DNS_SERVER=127.0.0.1:8053 \
//   CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES=true CERTCTL_ACME_RATE_ORDERS_PER_HOUR=0 \
//   CERTCTL_ACME_RATE_NEW_ACCOUNTS_PER_IP_PER_HOUR=0 npm start
// with `allow_internal_names` set on the default profile (the orders name .test hosts):
//   PATCH /api/v1/profiles/prof-standard-tls {"allow_internal_names": true}
// and the challenge test server (every name resolves to 127.0.0.1):
//   node dist/tools/challenge-test-server.js --dns-port 8053 --management-port 8055
//
//   node loadtest/acme-orders.mjs [--orders 200] [--concurrency 20] [--lego 5] [--url http://127.0.0.1:8080]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import acme from 'acme-client';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.LOADTEST_URL ?? `http://127.0.0.1:${process.env.CERTCTL_GATEWAY_PORT || 8080}` },
    orders: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '20' },
    'http01-port': { type: 'string', default: '5002' },
    lego: { type: 'string', default: '0' },
    warmup: { type: 'string', default: '10' },
  },
});
const base = values.url.replace(/\/+$/, '');
const directoryUrl = `${base}/acme/directory`;
const total = Number(values.orders);
const concurrency = Number(values.concurrency);
const port = Number(values['http01-port']);
const run = Date.now().toString(36);

const tokens = new Map();
const server = http.createServer((req, res) => {
  const token = req.url?.startsWith('/.well-known/acme-challenge/') ? req.url.slice('/.well-known/acme-challenge/'.length) : '';
  const answer = tokens.get(token);
  res.writeHead(answer ? 200 : 404, { 'content-type': 'text/plain' }).end(answer ?? 'not found');
});

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const stats = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return { median: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1] };
};

async function newClient() {
  const client = new acme.Client({
    directoryUrl,
    accountKey: await acme.crypto.createPrivateEcdsaKey(),
    backoffMin: 20,
    backoffMax: 250,
    backoffAttempts: 40,
  });
  await client.createAccount({ termsOfServiceAgreed: true });
  return client;
}

async function oneOrder(client, name) {
  const order = await client.createOrder({ identifiers: [{ type: 'dns', value: name }] });
  const [authz] = await client.getAuthorizations(order);
  const challenge = authz.challenges.find((c) => c.type === 'http-01');
  tokens.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
  try {
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  } finally {
    tokens.delete(challenge.token);
  }
  const [, csr] = await acme.crypto.createCsr({ commonName: name }, await acme.crypto.createPrivateEcdsaKey());
  const done = await client.finalizeOrder(order, csr);
  const pem = await client.getCertificate(done);
  if (!pem.includes('BEGIN CERTIFICATE')) throw new Error(`no certificate for ${name}`);
}

async function orders(n, label) {
  const clients = await Promise.all(Array.from({ length: concurrency }, () => newClient()));
  const latencies = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client, w) => {
      for (let i = next++; i < n; i = next++) {
        const s = performance.now();
        try {
          await oneOrder(client, `o${i}-w${w}-${label}-${run}.loadtest.example.test`);
          latencies.push(performance.now() - s);
        } catch (err) {
          failed++;
          if (failed <= 3) console.error(`order ${i} failed: ${err.message}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { orders: latencies.length, failed, seconds, perSecond: latencies.length / seconds, latencyMs: stats(latencies) };
}

function legoRuns(n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'lego-bench-'));
    const t0 = performance.now();
    execFileSync(
      'lego',
      [
        '--server',
        directoryUrl,
        '--accept-tos',
        '--email',
        'bench@example.com',
        '--domains',
        `lego${i}-${run}.loadtest.example.test`,
        '--http',
        '--http.port',
        `:${port}`,
        '--path',
        dir,
        'run',
      ],
      {
        stdio: 'ignore',
      },
    );
    times.push(performance.now() - t0);
    rmSync(dir, { recursive: true, force: true });
  }
  return { runs: n, wallMs: stats(times) };
}

const r2 = (x) => Math.round(x * 100) / 100;
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
try {
  if (Number(values.warmup) > 0) await orders(Number(values.warmup), 'warm');
  const o = await orders(total, 'run');
  console.log(
    `acme-client orders: ${o.orders} complete (${o.failed} failed) in ${r2(o.seconds)} s at concurrency ${concurrency} → ${r2(o.perSecond)} orders/s; ` +
      `latency per order median ${r2(o.latencyMs.median)} ms, p95 ${r2(o.latencyMs.p95)} ms, p99 ${r2(o.latencyMs.p99)} ms`,
  );
} finally {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
if (Number(values.lego) > 0) {
  const l = legoRuns(Number(values.lego));
  console.log(
    `lego run (new account, order, http-01, finalize, download): ${l.runs} runs, wall time median ${r2(l.wallMs.median)} ms, p95 ${r2(l.wallMs.p95)} ms`,
  );
}
