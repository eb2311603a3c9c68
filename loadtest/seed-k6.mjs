#!/usr/bin/env node
// Fixtures of the k6 scripts (loadtest/k6/), written to one JSON file the scripts read with
// open(): a trust_authenticated ACME profile with one EAB key per ACME VU and a CSR for the
// k6 order name (acme-flow.ts), an OCSP request for an issued certificate of iss-local
// (ocsp.ts), and a registered agent fleet with each agent's key (agent-storm.ts). The bulk
// renewal fixtures come from loadtest/seed-certificates.mjs.
//
// Needs a running stack and an admin key. Usage:
//   node loadtest/seed-k6.mjs [--url http://127.0.0.1:8080] [--key <admin key>] [--eab-keys 20] [--agents 5000] [--out <file>]
// Defaults: K6_BASE_URL or the local gateway, K6_API_KEY or ${CERTCTL_DATA_DIR:-.local}/admin-api-key,
// out ${CERTCTL_DATA_DIR:-.local}/loadtest/k6-fixtures.json (K6_FIXTURES of the scripts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import acmeClient from 'acme-client';
import { restApi, trustedProfile } from './lib/acme.mjs';
import * as ocsp from './scenarios/ocsp-get.mjs';

const dataDir = resolve(process.env.CERTCTL_DATA_DIR ?? '.local');
const { values: o } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.K6_BASE_URL ?? `http://127.0.0.1:${process.env.CERTCTL_GATEWAY_PORT || 8080}` },
    key: { type: 'string', default: process.env.K6_API_KEY },
    'eab-keys': { type: 'string', default: '20' },
    agents: { type: 'string', default: process.env.LOADTEST_AGENTS ?? '5000' },
    out: { type: 'string', default: process.env.K6_FIXTURES ?? join(dataDir, 'loadtest', 'k6-fixtures.json') },
  },
});
const url = o.url.replace(/\/+$/, '');
const key = o.key ?? readFileSync(process.env.CERTCTL_ADMIN_KEY_FILE ?? join(dataDir, 'admin-api-key'), 'utf8').trim();
const log = (m) => console.log(`[seed-k6] ${m}`);
const ctx = {
  url,
  key,
  log,
  api: (method, path, body) => restApi(url, key, method, path, body),
};

// ACME: the trusted profile (created once) and one EAB key per VU; a CSR for the order name.
const eab = [];
let profileId;
for (let i = 0; i < Number(o['eab-keys']); i++) {
  const t = await trustedProfile(url, key);
  profileId = t.profile.id;
  eab.push({ kid: t.eab.id, hmac_key: t.eab.hmac_key });
}
const domain = 'k6.loadtest.test';
const [, csrPem] = await acmeClient.crypto.createCsr({ commonName: domain }, await acmeClient.crypto.createPrivateEcdsaKey());
const csr = Buffer.from(csrPem.toString().replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64url');
log(`ACME profile ${profileId} with ${eab.length} EAB keys`);

// OCSP: one request (no nonce) for an active certificate of iss-local, base64url for the GET path.
process.env.LOADTEST_API_URL = url;
await ocsp.setup(ctx);
const encoded = decodeURIComponent(ocsp.requests()[0].path.split('/').pop());
const requests = [Buffer.from(encoded, 'base64').toString('base64url')];

// Agents: registered once and reused (kept under the data dir by the agent-heartbeat scenario).
process.env.LOADTEST_AGENTS = o.agents; // read by the scenario when it loads
const agents = await import('./scenarios/agent-heartbeat.mjs');
await agents.setup(ctx);
const fleet = ctx.fleet.map((a, i) => ({ id: a.id, key: a.key, hostname: `host-${i}.loadtest` }));

mkdirSync(dirname(o.out), { recursive: true });
writeFileSync(
  o.out,
  JSON.stringify({
    base_url: url,
    acme: { profile_id: profileId, domain, csr, eab },
    ocsp: { issuer_id: 'iss-local', requests },
    agents: fleet,
  }),
  { mode: 0o600 },
);
log(`wrote ${o.out}: ${eab.length} EAB keys, ${requests.length} OCSP request, ${fleet.length} agents`);
