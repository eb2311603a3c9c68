/* global fetch */
// OCSP status checks (RFC 6960 GET, no nonce: the cacheable kind browsers and RFC 5019
// clients send) for one certificate of iss-local. Point --url at the gateway (public
// forwarding to the revocation service) or straight at the revocation service.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const name = 'ocsp-get';
export const description = 'GET /.well-known/pki/ocsp/iss-local/<base64 request> (no auth, no nonce) for an issued certificate';

const ISSUER = 'iss-local';
let encoded;

/** The REST API for setup: the gateway, even when --url points at the revocation service. */
function apiBase() {
  return (process.env.LOADTEST_API_URL ?? `http://127.0.0.1:${process.env.CERTCTL_GATEWAY_PORT || 8080}`).replace(/\/+$/, '');
}

async function api(ctx, method, path, body) {
  const res = await fetch(`${apiBase()}${path}`, {
    method,
    headers: { authorization: `Bearer ${ctx.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Finds (or issues) an active certificate and builds its OCSP request with openssl. */
export async function setup(ctx) {
  let page = await api(ctx, 'GET', `/api/v1/certificates?status=active&issuer_id=${ISSUER}&limit=1`);
  if (page.data.length === 0) {
    const n = `ocsp-lt-${Date.now().toString(36)}`;
    await api(ctx, 'POST', '/api/v1/certificates', {
      name: n,
      common_name: `${n}.loadtest.example.com`,
      issuer_id: ISSUER,
      owner_id: 'o-alice',
      team_id: 't-platform',
      renewal_policy_id: 'rp-standard',
    });
    for (let i = 0; i < 100 && page.data.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      page = await api(ctx, 'GET', `/api/v1/certificates?status=active&issuer_id=${ISSUER}&limit=1`);
    }
  }
  const cert = await api(ctx, 'GET', `/api/v1/certificates/${page.data[0].id}`);
  const dir = mkdtempSync(join(tmpdir(), 'certctl-ocsp-lt-'));
  try {
    writeFileSync(join(dir, 'cert.pem'), cert.certificate_pem);
    writeFileSync(join(dir, 'ca.pem'), cert.chain_pem);
    execFileSync('openssl', [
      'ocsp',
      '-issuer',
      join(dir, 'ca.pem'),
      '-cert',
      join(dir, 'cert.pem'),
      '-no_nonce',
      '-reqout',
      join(dir, 'req.der'),
    ]);
    encoded = encodeURIComponent(readFileSync(join(dir, 'req.der')).toString('base64'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  ctx.log(`OCSP request for certificate ${cert.id} (serial ${cert.serial_number})`);
}

export function requests() {
  if (!encoded) throw new Error('ocsp-get needs its setup (do not pass --no-setup)');
  return [{ method: 'GET', path: `/.well-known/pki/ocsp/${ISSUER}/${encoded}`, auth: false }];
}
