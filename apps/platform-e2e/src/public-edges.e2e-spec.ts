import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RawAcme, acmeFetch, directoryUrl } from './acme-support';
import { readState } from './e2e-env';
import { api } from './http';
import { restartService } from './restart';

/**
 * The unauthenticated edges of the platform, over the real gateway: which Hosts the ACME
 * URLs are built from, which identifiers ACME refuses, and the shared (Redis) rate limits on
 * new ACME accounts and on freshly signed OCSP responses, proved by restarting acme and
 * revocation with low limits (and back with the stack's generous ones afterwards).
 */

const ACME_ERR = 'urn:ietf:params:acme:error:';

/** GET over the gateway's plain listener with any Host header (fetch() will not send a made-up one). */
function getWithHost(path: string, host: string): Promise<{ status: number; text: string }> {
  const { ports } = readState();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: ports.gateway, path, method: 'GET', headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Forgets the counts of one shared limit, so the test starts from zero whatever ran before. */
async function resetLimit(prefix: string): Promise<void> {
  const redis = new Redis(readState().env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`certctl:rl:${prefix}*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

describe('ACME URLs: the Host header is reflected only when allowed', () => {
  it('fail/Host: evil.example never appears in the directory; the configured public URL is used instead', async () => {
    const { env, ports } = readState();
    for (const host of ['evil.example', `evil.example:${ports.gateway}`, 'localhost:1']) {
      const r = await getWithHost('/acme/directory', host);
      expect(r.status).toBe(200);
      expect(r.text).not.toContain('evil.example');
      expect(r.text).not.toContain('localhost:1/');
      const dir = JSON.parse(r.text) as Record<string, string>;
      expect(dir.newNonce).toBe(`${env.CERTCTL_PUBLIC_BASE_URL}/acme/new-nonce`);
    }
  });

  it('ok/an allowed Host (the gateway listener the client used) is kept', async () => {
    const { tls } = readState();
    const viaTls = (await (await acmeFetch(directoryUrl())).json()) as Record<string, string>;
    expect(viaTls.newAccount).toBe(`https://localhost:${tls!.port}/acme/new-account`);
  });
});

describe('ACME identifiers: internal names need the profile flag', () => {
  const run = randomBytes(4).toString('hex');

  async function accountOn(profileId: string): Promise<RawAcme> {
    const raw = await new RawAcme().init();
    raw.directory = (await (await acmeFetch(directoryUrl(profileId))).json()) as Record<string, string>;
    return raw.register();
  }

  it('fail/localhost, 127.1, 0x7f.1, *.local, *.internal, .home.arpa and .test names are rejectedIdentifier on a profile without allow_internal_names', async () => {
    const profile = await api('POST', '/api/v1/profiles', { body: { name: `public-names-${run}` } });
    expect(profile.status).toBe(201);
    expect(profile.body.allow_internal_names).toBe(false);
    const client = await accountOn(profile.body.id);
    const values = ['localhost', '127.1', '0x7f.1', 'printer.local', 'db.internal', 'nas.home.arpa', 'www.example.test', 'intranet'];
    const r = await client.post(client.directory.newOrder, { identifiers: values.map((value) => ({ type: 'dns', value })) });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.type).toBe(`${ACME_ERR}rejectedIdentifier`);
    expect(r.body.subproblems.map((s: { identifier: { value: string } }) => s.identifier.value)).toEqual(values);
    for (const s of r.body.subproblems) expect(s.type).toBe(`${ACME_ERR}rejectedIdentifier`);
    const loopback = await client.post(client.directory.newOrder, { identifiers: [{ type: 'ip', value: '127.0.0.1' }] });
    expect([loopback.status, loopback.body.type]).toEqual([400, `${ACME_ERR}rejectedIdentifier`]);
    const publicName = await client.post(client.directory.newOrder, { identifiers: [{ type: 'dns', value: `www-${run}.example.com` }] });
    expect(publicName.status).toBe(201);
  });

  it('ok/the same names are ordered on a profile with allow_internal_names; 127.1 never is', async () => {
    const profile = await api('POST', '/api/v1/profiles', { body: { name: `internal-names-${run}`, allow_internal_names: true } });
    expect([profile.status, profile.body.allow_internal_names]).toEqual([201, true]);
    const client = await accountOn(profile.body.id);
    const ok = await client.post(client.directory.newOrder, {
      identifiers: [
        { type: 'dns', value: `db-${run}.internal` },
        { type: 'dns', value: `www-${run}.example.test` },
      ],
    });
    expect(ok.status).toBe(201);
    const numeric = await client.post(client.directory.newOrder, { identifiers: [{ type: 'dns', value: '127.1' }] });
    expect([numeric.status, numeric.body.type]).toEqual([400, `${ACME_ERR}rejectedIdentifier`]);
  });
});

describe('shared rate limits on the unauthenticated surfaces', () => {
  afterAll(async () => {
    // back to the stack's generous limits for the suites that run after this one
    await restartService('acme');
    await restartService('revocation');
  });

  it('fail/more new ACME accounts from one address than CERTCTL_ACME_RATE_NEW_ACCOUNTS_PER_IP_PER_HOUR is rateLimited (429, Retry-After); looking up an account is not counted', async () => {
    await restartService('acme', { CERTCTL_ACME_RATE_NEW_ACCOUNTS_PER_IP_PER_HOUR: '3' });
    await resetLimit('acme:new_accounts');
    const first = await (await new RawAcme().init()).register();
    // the same key again is a lookup (200): given back, so it leaves room for the next two
    const again = await first.post(first.directory.newAccount, { onlyReturnExisting: true }, { useJwk: true });
    expect(again.status).toBe(200);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<RawAcme['post']>> | undefined;
    for (let i = 0; i < 3; i++) {
      const raw = await new RawAcme().init();
      last = await raw.post(raw.directory.newAccount, { termsOfServiceAgreed: true }, { useJwk: true });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect(last!.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(last!.body.type).toBe(`${ACME_ERR}rateLimited`);
    const retryAfter = Number(last!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });

  it('fail/more freshly signed OCSP responses for one address than CERTCTL_OCSP_RATE_SIGNED_PER_MINUTE is 429 with Retry-After', async () => {
    await restartService('revocation', { CERTCTL_OCSP_RATE_SIGNED_PER_MINUTE: '2' });
    await resetLimit('ocsp:signed');
    const issuer = await api('GET', '/api/v1/issuers/iss-local');
    const dir = mkdtempSync(join(tmpdir(), 'ocsp-rl-'));
    const caPath = join(dir, 'ca.pem');
    writeFileSync(caPath, issuer.body.ca_certificate_pem);
    const url = `http://127.0.0.1:${readState().ports.gateway}/.well-known/pki/ocsp/iss-local`;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      // a request with a nonce (openssl's default) is never answered from a cache
      const reqPath = join(dir, `req-${i}.der`);
      execFileSync('openssl', ['ocsp', '-issuer', caPath, '-serial', `0x${randomBytes(16).toString('hex')}`, '-reqout', reqPath]);
      last = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: readFileSync(reqPath) });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await last!.json()) as { status: number }).status).toBe(429);
  });
});
