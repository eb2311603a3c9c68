// ACME flow: directory, nonce, account (with EAB), order, authorization, challenge (when the
// authorization is pending), finalize, poll, download — one certificate per iteration, at a
// fixed arrival rate. Needs the fixtures of loadtest/seed-k6.mjs (a trust_authenticated
// profile with EAB keys, so no solver round trip is needed, and a CSR for K6 names).
//   node loadtest/seed-k6.mjs && k6 run -e K6_BASE_URL=… loadtest/k6/acme-flow.ts
// K6_ACME_RATE orders per second (default 5), K6_DURATION, K6_ACME_P95_MS (default 5000).
import { check, fail } from 'k6';
import { Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { AcmeClient, directory } from './lib/acme.ts';
import { DURATION, type Fixtures, fixtures, num } from './lib/env.ts';
import { acme } from './lib/requests.ts';

const data = fixtures<Fixtures>();
const orderSeconds = new Trend('acme_order_seconds', true);

export const options: Options = {
  scenarios: {
    orders: {
      executor: 'constant-arrival-rate',
      rate: num('K6_ACME_RATE', 5),
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Math.min(data.acme.eab.length, 20),
      maxVUs: data.acme.eab.length,
    },
  },
  thresholds: {
    'http_req_duration{acme:directory}': [`p(95)<${num('K6_ACME_DIRECTORY_P95_MS', 500)}`],
    acme_order_seconds: [`p(95)<${num('K6_ACME_P95_MS', 5000) / 1000}`],
    checks: ['rate>0.99'],
  },
};

// One account per VU (its own EAB key), made on its first iteration.
let client: AcmeClient | undefined;

export default async function (): Promise<void> {
  const started = Date.now();
  const { res, dir } = directory(data.acme.profile_id);
  if (!check(res, { 'directory: 200': (r) => r.status === 200 }) || !dir) fail('no directory');
  for (const f of acme.directoryFields) if (typeof dir[f] !== 'string') fail(`directory without ${f}`);
  if (!client) {
    const eab = data.acme.eab[(__VU - 1) % data.acme.eab.length]!;
    client = new AcmeClient(dir);
    await client.init();
    check(client.newNonce(), { 'new-nonce: 200': (r) => r.status === 200 });
    const acct = await client.post(
      dir.newAccount,
      acme.newAccount(client.externalAccountBinding(eab.kid, eab.hmac_key)),
      'new-account',
      true,
    );
    if (!check(acct, { 'new-account: 201': (r) => r.status === 201 || r.status === 200 })) fail(`new-account ${acct.status} ${acct.body}`);
    client.kid = acct.headers['Location'];
  }
  const c = client;
  const order = await c.post(dir.newOrder, acme.newOrder([data.acme.domain]), 'new-order');
  if (!check(order, { 'new-order: 201': (r) => r.status === 201 })) return;
  const orderUrl = order.headers['Location']!;
  const o = order.json() as { authorizations: string[]; finalize: string; status: string };
  for (const authzUrl of o.authorizations) {
    const authz = await c.post(authzUrl, undefined, 'authz');
    const a = authz.json() as { status: string; challenges: { type: string; url: string; token: string }[] };
    if (a.status === 'pending') {
      const ch = a.challenges.find((x) => x.type === 'http-01') ?? a.challenges[0]!;
      check(await c.post(ch.url, acme.challengeReady(), 'challenge'), { 'challenge: 200': (r) => r.status === 200 });
    }
  }
  const fin = await c.post(o.finalize, acme.finalize(data.acme.csr), 'finalize');
  check(fin, { 'finalize: 200': (r) => r.status === 200 });
  let status = (fin.json('status') as string | undefined) ?? 'processing';
  let cert = fin.json('certificate') as string | undefined;
  for (let i = 0; i < 50 && status !== 'valid' && status !== 'invalid'; i++) {
    const poll = await c.post(orderUrl, undefined, 'order');
    status = poll.json('status') as string;
    cert = poll.json('certificate') as string | undefined;
  }
  if (!check(status, { 'order: valid': (s) => s === 'valid' }) || !cert) return;
  const pem = await c.post(cert, undefined, 'certificate');
  check(pem, { 'certificate: PEM chain': (r) => r.status === 200 && String(r.body).includes('BEGIN CERTIFICATE') });
  orderSeconds.add((Date.now() - started) / 1000);
}
