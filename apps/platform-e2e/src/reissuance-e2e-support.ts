// Test-only: what the re-issuance suites share: gateway calls that ride out a busy shared machine,
// issuer and certificate creation, and the CRL/OCSP checks of replaced (revoked) versions.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayUrl } from './e2e-env';
import { api, mapLimit, validCertificate, waitFor } from './http';

/** A gateway call, retried while the gateway sheds load (429) or a busy service answers late (503, 504): this machine is shared. */
export async function call(method: string, path: string, body?: unknown) {
  for (let attempt = 0; ; attempt++) {
    const r = await api(method, path, body === undefined ? {} : { body });
    if (![429, 503, 504].includes(r.status) || attempt >= 20) return r;
    await new Promise((res) => setTimeout(res, 250 * Math.min(attempt + 1, 8)));
  }
}

/** A local issuer, under `parent` when given. */
export async function issuer(id: string, parent: string | undefined, pathLength: number) {
  const r = await call('POST', '/api/v1/issuers', {
    id,
    name: id,
    type: 'local',
    path_length: pathLength,
    ...(parent ? { parent_id: parent } : {}),
  });
  if (r.status !== 201) throw new Error(`issuer ${id}: ${r.status} ${r.text}`);
  return r.body;
}

/** Creates `<prefix>-0` … `<prefix>-<count-1>` from `issuerId` (`concurrency` at a time) and answers their ids. */
export function createCertificates(prefix: string, count: number, issuerId: string, concurrency = 4): Promise<string[]> {
  return mapLimit(
    Array.from({ length: count }, (_, i) => `${prefix}-${i}`),
    concurrency,
    async (name) => {
      const r = await call('POST', '/api/v1/certificates', { ...validCertificate(name), issuer_id: issuerId });
      if (r.status === 201) return r.body.id as string;
      // A create that answered late (503) may have happened: the retry then finds the name taken.
      const found =
        r.status === 409
          ? (await call('GET', `/api/v1/certificates?q=${name}`)).body.data.find((c: { name: string }) => c.name === name)
          : undefined;
      if (!found) throw new Error(`create ${name}: ${r.status} ${r.text}`);
      return found.id as string;
    },
  );
}

/**
 * Starts a campaign replacing every certificate under `issuerId` from `newIssuerId`, revoking the
 * old versions (keyCompromise); `options` adds `rate_per_minute` or `dry_run`. Answers the 201 body.
 */
export async function startCampaign(issuerId: string, newIssuerId: string, options: { rate_per_minute?: number; dry_run?: boolean }) {
  const created = await call('POST', '/api/v1/reissuance-campaigns', {
    issuer_id: issuerId,
    new_issuer_id: newIssuerId,
    revoke_old: 'keyCompromise',
    ...options,
  });
  expect(created.status).toBe(201);
  return created.body;
}

/** The campaign as the API shows it. */
export const campaignOf = async (id: string) => (await call('GET', `/api/v1/reissuance-campaigns/${id}`)).body;

/** Waits until the campaign is completed; answers it. */
export function campaignCompleted(id: string, timeoutMs: number) {
  return waitFor(
    async () => {
      const c = await campaignOf(id);
      return c.status === 'completed' ? c : undefined;
    },
    timeoutMs,
    'the campaign to complete',
  );
}

/** Waits until the issuer's CRL (parsed by openssl crl) lists every one of `serials` (hex); answers its text. */
export function crlListing(dir: string, issuerId: string, serials: string[], timeoutMs = 60000): Promise<string> {
  const expected = serials.map((s) => s.toUpperCase());
  const crlFile = join(dir, `${issuerId}.crl`);
  return waitFor(
    async () => {
      const res = await fetch(`${gatewayUrl()}/.well-known/pki/crl/${issuerId}`);
      writeFileSync(crlFile, Buffer.from(await res.arrayBuffer()));
      const out = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-text'], { encoding: 'utf8' }).stdout;
      return expected.every((s) => out.includes(`Serial Number: ${s}`)) ? out : undefined;
    },
    timeoutMs,
    `the CRL of ${issuerId} to list the replaced serials`,
  );
}

/**
 * One `openssl ocsp` request for `pems` (certificates of `issuerId`) to the platform's responder,
 * trusting `trustPem`; answers its output (one `<file>: <status>` line per certificate) and the files.
 */
export async function ocspQuery(dir: string, issuerId: string, pems: string[], trustPem: string) {
  const caPem = (await call('GET', `/api/v1/issuers/${issuerId}`)).body.ca_certificate_pem;
  const caFile = join(dir, `${issuerId}-ca.pem`);
  writeFileSync(caFile, caPem);
  const trust = join(dir, `${issuerId}-trust.pem`);
  writeFileSync(trust, trustPem);
  const files = pems.map((pem, i) => {
    const p = join(dir, `${issuerId}-ocsp-${i}.pem`);
    writeFileSync(p, pem);
    return p;
  });
  const r = spawnSync(
    'openssl',
    [
      'ocsp',
      '-issuer',
      caFile,
      ...files.flatMap((p) => ['-cert', p]),
      '-url',
      `${gatewayUrl()}/.well-known/pki/ocsp/${issuerId}`,
      '-CAfile',
      trust,
    ],
    { encoding: 'utf8', timeout: 30000 },
  );
  return { out: `${r.stdout}${r.stderr}`, files };
}
