#!/usr/bin/env node
/* global performance */
// The issue #19 ACME client harness (../shared/tools/acme-bench/bench.mjs), kept to its
// semantics so figures compare with the issue's: N complete orders (order → authorization →
// http-01 → finalize → download) at concurrency C against any directory URL, acme-client,
// one account per worker (created inside the measured wall time, as the reference does), a
// fresh P-256 key and CSR per order, http-01 served by this process on --port.
// Prints one JSON line: { dir, n, c, ok, failed, wall_s, orders_per_s, p50_ms, p95_ms, p99_ms }.
// Usage: node loadtest/lib/acme-harness.mjs --dir URL [--n 200] [--c 20] [--port 21502] [--ca bundle.pem] [--domain-suffix example.test]
// Only the layout differs from the reference (lint); loadtest/acme-vs-pebble.mjs runs it once per server.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import acme from 'acme-client';

const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const dir = arg('dir');
const N = Number(arg('n', 200));
const C = Number(arg('c', 20));
const port = Number(arg('port', 21502));
const ca = arg('ca');
const suffix = arg('domain-suffix', 'example.test');
if (!dir) {
  console.error('--dir required');
  process.exit(2);
}
if (ca) process.env.NODE_EXTRA_CA_CERTS = ca;
if (arg('insecure')) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
if (ca) https.globalAgent.options.ca = fs.readFileSync(ca);
acme.axios.defaults.httpsAgent = new https.Agent({ ca: ca ? fs.readFileSync(ca) : undefined, keepAlive: true, maxSockets: 256 });
acme.axios.defaults.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const tokens = new Map();
const srv = http.createServer((req, res) => {
  const t = req.url.split('/').pop();
  const v = tokens.get(t);
  if (v) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(v);
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((r) => srv.listen(port, '127.0.0.1', r));

const newClient = async () => {
  const c = new acme.Client({
    directoryUrl: dir,
    accountKey: await acme.crypto.createPrivateEcdsaKey(),
    backoffMin: 20,
    backoffMax: 500,
    backoffAttempts: 60,
  });
  await c.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:bench@example.test'] });
  return c;
};

const times = [];
let fails = 0;
let next = 0;
const one = async (client, i) => {
  const d = `b${i}-${Date.now().toString(36)}.${suffix}`;
  const t0 = performance.now();
  const order = await client.createOrder({ identifiers: [{ type: 'dns', value: d }] });
  const [authz] = await client.getAuthorizations(order);
  const ch = authz.challenges.find((x) => x.type === 'http-01');
  tokens.set(ch.token, await client.getChallengeKeyAuthorization(ch));
  await client.completeChallenge(ch);
  await client.waitForValidStatus(ch);
  const [, csr] = await acme.crypto.createCsr({ commonName: d, altNames: [d] }, await acme.crypto.createPrivateEcdsaKey());
  const fin = await client.finalizeOrder(order, csr);
  const pem = await client.getCertificate(fin);
  if (!pem.includes('BEGIN CERTIFICATE')) throw new Error('no certificate');
  tokens.delete(ch.token);
  times.push(performance.now() - t0);
};
const worker = async () => {
  const client = await newClient();
  while (next < N) {
    const i = next++;
    try {
      await one(client, i);
    } catch (e) {
      fails++;
      if (fails <= 3) console.error('order failed:', e.message);
    }
  }
};
const T0 = performance.now();
await Promise.all(Array.from({ length: C }, worker));
const wall = (performance.now() - T0) / 1000;
times.sort((a, b) => a - b);
const q = (p) => (times.length ? times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(0) : 'NaN');
console.log(
  JSON.stringify({
    dir,
    n: N,
    c: C,
    ok: times.length,
    failed: fails,
    wall_s: +wall.toFixed(2),
    orders_per_s: +(times.length / wall).toFixed(1),
    p50_ms: +q(0.5),
    p95_ms: +q(0.95),
    p99_ms: +q(0.99),
  }),
);
srv.close();
process.exit(0);
