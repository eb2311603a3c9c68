import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayUrl, readState } from './e2e-env';
import { api, mapLimit, validCertificate, waitFor } from './http';

const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-revocation-'));
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const openssl = (args: string[]) => {
  const r = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
};
const ocspUrl = (issuer = 'iss-local') => `${gatewayUrl()}/.well-known/pki/ocsp/${issuer}`;
const crlUrl = (issuer = 'iss-local') => `${gatewayUrl()}/.well-known/pki/crl/${issuer}`;

async function fetchCrl(): Promise<{ der: Buffer; text: string; res: Response }> {
  const res = await fetch(crlUrl());
  const der = Buffer.from(await res.arrayBuffer());
  const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', file('current.crl', der), '-noout', '-text'], { encoding: 'utf8' });
  return { der, text, res };
}

/**
 * Creates certificates and waits until each is active. Retries as a client should: on rate
 * limiting (429), and on a 503 (inventory busy past the gateway's wait; the create may still have
 * been stored, so a later 409 for the same name means it was, and its id is looked up).
 */
async function issue(names: string[], concurrency = 16): Promise<any[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        let unavailable = 0;
        for (;;) {
          const r = await api('POST', '/api/v1/certificates', { body: validCertificate(name) });
          if (r.status === 201) {
            ids.push(r.body.id);
            break;
          }
          if (r.status === 409 && unavailable > 0) {
            const found = (await api('GET', `/api/v1/certificates?limit=5&q=${encodeURIComponent(name)}`)).body.data.find(
              (c: any) => c.name === name,
            );
            if (found) {
              ids.push(found.id);
              break;
            }
          }
          const retryable = r.status === 429 || (r.status === 503 && ++unavailable <= 5);
          if (!retryable) throw new Error(`create ${name}: ${r.status} ${r.text}`);
          await new Promise((res) => setTimeout(res, 250));
        }
      }
    }),
  );
  return waitFor(
    async () => {
      const listed: any[] = [];
      let cursor = '';
      for (;;) {
        const page = await api('GET', `/api/v1/certificates?limit=500&q=${names[0]!.split('-')[0]}${cursor}`);
        listed.push(...page.body.data);
        if (!page.body.next_cursor) break;
        cursor = `&cursor=${encodeURIComponent(page.body.next_cursor)}`;
      }
      const active = listed.filter((c) => ids.includes(c.id) && c.status === 'active');
      return active.length === ids.length ? active : undefined;
    },
    180000,
    `${ids.length} certificates to become active`,
  );
}

describe('revocation: CRL and OCSP end to end with openssl', () => {
  const run = `rv${Date.now().toString(36)}`;
  let caPath: string;
  let leaf: any;
  let other: any;
  let leafPath: string;
  let otherPath: string;

  beforeAll(async () => {
    const issuer = await api('GET', '/api/v1/issuers/iss-local');
    caPath = file('ca.pem', issuer.body.ca_certificate_pem);
    const [a, b] = await issue([`${run}-a`, `${run}-b`]);
    leaf = (await api('GET', `/api/v1/certificates/${a.id}`)).body;
    other = (await api('GET', `/api/v1/certificates/${b.id}`)).body;
    leafPath = file('leaf.pem', leaf.certificate_pem);
    otherPath = file('other.pem', other.certificate_pem);
  });

  it('ok/issued certificates point at the CRL and OCSP endpoints of their issuer', () => {
    const text = execFileSync('openssl', ['x509', '-in', leafPath, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain(`URI:${readState().env.CERTCTL_PUBLIC_BASE_URL}/.well-known/pki/crl/iss-local`);
    expect(text).toContain(`OCSP - URI:${readState().env.CERTCTL_PUBLIC_BASE_URL}/.well-known/pki/ocsp/iss-local`);
  });

  it('ok/openssl ocsp reports good before revocation, verifies the delegated responder and round-trips the nonce', () => {
    const r = openssl(['ocsp', '-issuer', caPath, '-cert', leafPath, '-url', ocspUrl(), '-CAfile', caPath, '-resp_text']);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`${leafPath}: good`);
    expect(r.out).toContain('OCSP Nonce');
    expect(r.out).not.toContain('Nonce Verify error');
    expect(r.out).toContain('OCSP Signing');
    expect(r.out).toContain('OCSP No Check');
  });

  it('ok/revoke: 200 with the revocation; again: the same revocation, created=false; certificate shows revoked', async () => {
    const first = await api('POST', `/api/v1/certificates/${leaf.id}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      certificate_id: leaf.id,
      serial_number: leaf.serial_number,
      reason: 'keyCompromise',
      created: true,
    });
    const again = await api('POST', `/api/v1/certificates/${leaf.id}/revoke`, { body: { reason: 'superseded' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ reason: 'keyCompromise', revoked_at: first.body.revoked_at, created: false });
    const cert = await api('GET', `/api/v1/certificates/${leaf.id}`);
    expect(cert.body.status).toBe('revoked');
  });

  it('ok/openssl ocsp reports revoked with the reason right after revocation', () => {
    const r = openssl(['ocsp', '-issuer', caPath, '-cert', leafPath, '-url', ocspUrl(), '-CAfile', caPath, '-resp_text']);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`${leafPath}: revoked`);
    expect(r.out).toContain('keyCompromise');
    const good = openssl(['ocsp', '-issuer', caPath, '-cert', otherPath, '-url', ocspUrl(), '-CAfile', caPath]);
    expect(good.out).toContain(`${otherPath}: good`);
  });

  it('ok/the CRL lists the serial with its reason within seconds; openssl verify -crl_check fails for it and passes for the other', async () => {
    const { text } = await waitFor(
      async () => {
        const c = await fetchCrl();
        return c.text.includes(`Serial Number: ${leaf.serial_number.toUpperCase()}`) ? c : undefined;
      },
      15000,
      'the CRL to list the revoked serial',
    );
    expect(text).toMatch(/CRL Number:\s+\d+/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toContain('Key Compromise');
    const crlPem = file('crl.pem', execFileSync('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'current.crl')]));
    const bad = openssl(['verify', '-crl_check', '-CAfile', caPath, '-CRLfile', crlPem, leafPath]);
    expect(bad.status).not.toBe(0);
    expect(bad.out).toContain('certificate revoked');
    const good = openssl(['verify', '-crl_check', '-CAfile', caPath, '-CRLfile', crlPem, otherPath]);
    expect(good.status).toBe(0);
    expect(good.out).toContain(`${otherPath}: OK`);
  });

  it('ok/CRL HTTP caching: application/pkix-crl, ETag, Last-Modified, max-age, 304 on If-None-Match; numbers never go down', async () => {
    const { res, text } = await fetchCrl();
    expect(res.headers.get('content-type')).toBe('application/pkix-crl');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    expect(new Date(res.headers.get('last-modified')!).getTime()).toBeGreaterThan(0);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const again = await fetch(crlUrl(), { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const n1 = Number(/CRL Number:\s+(\d+)/.exec(text)![1]);
    await api('POST', `/api/v1/certificates/${other.id}/revoke`, { body: { reason: 'certificateHold' } });
    const n2 = await waitFor(
      async () => {
        const c = await fetchCrl();
        const n = Number(/CRL Number:\s+(\d+)/.exec(c.text)![1]);
        return n > n1 ? n : undefined;
      },
      15000,
      'a newer CRL',
    );
    expect(n2).toBeGreaterThan(n1);
    const changed = await fetch(crlUrl(), { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
  });

  it('ok/removeFromCRL lifts a certificateHold: OCSP says good again', async () => {
    const lifted = await api('POST', `/api/v1/certificates/${other.id}/revoke`, { body: { reason: 'removeFromCRL' } });
    expect(lifted.status).toBe(200);
    expect((await api('GET', `/api/v1/certificates/${other.id}`)).body.status).toBe('active');
    const r = openssl(['ocsp', '-issuer', caPath, '-cert', otherPath, '-url', ocspUrl(), '-CAfile', caPath]);
    expect(r.out).toContain(`${otherPath}: good`);
    const notHeld = await api('POST', `/api/v1/certificates/${leaf.id}/revoke`, { body: { reason: 'removeFromCRL' } });
    expect(notHeld.status).toBe(409);
  });

  it('ok/OCSP over GET (base64 in the path) answers like POST', async () => {
    const req = file('get-req.der', '');
    execFileSync('openssl', ['ocsp', '-issuer', caPath, '-cert', leafPath, '-no_nonce', '-reqout', req]);
    const b64 = encodeURIComponent(readFileSync(req).toString('base64'));
    const res = await fetch(`${ocspUrl()}/${b64}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/ocsp-response');
    const resp = file('get-resp.der', Buffer.from(await res.arrayBuffer()));
    const r = openssl(['ocsp', '-respin', resp, '-reqin', req, '-CAfile', caPath, '-resp_text']);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain('Cert Status: revoked');
  });

  it('ok/OCSP GET answers the gateway may reuse never outlive a revocation made through it: revoked on the next GET, good again once the hold is lifted', async () => {
    const req = file('cached-req.der', '');
    execFileSync('openssl', ['ocsp', '-issuer', caPath, '-cert', otherPath, '-no_nonce', '-reqout', req]);
    const url = `${ocspUrl()}/${encodeURIComponent(readFileSync(req).toString('base64'))}`;
    const status = async () => {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const r = openssl([
        'ocsp',
        '-respin',
        file('cached-resp.der', Buffer.from(await res.arrayBuffer())),
        '-reqin',
        req,
        '-CAfile',
        caPath,
        '-resp_text',
      ]);
      expect(r.out).toContain('Response verify OK');
      return { status: /Cert Status: (\w+)/.exec(r.out)?.[1], age: res.headers.get('age') };
    };
    expect((await status()).status).toBe('good');
    // Usually reused by the gateway (within CERTCTL_GATEWAY_PUBLIC_CACHE_MS, 2 s by default); the
    // replica test (gateway-replicas.e2e-spec.ts) shows the reuse with a longer cache time.
    expect((await status()).status).toBe('good');
    expect((await api('POST', `/api/v1/certificates/${other.id}/revoke`, { body: { reason: 'certificateHold' } })).status).toBe(200);
    expect(await status()).toEqual({ status: 'revoked', age: null });
    expect((await api('POST', `/api/v1/certificates/${other.id}/revoke`, { body: { reason: 'removeFromCRL' } })).status).toBe(200);
    expect((await status()).status).toBe('good');
  });

  it('fail/unknown issuer 404, wrong method 405, garbage → malformedRequest; hostile inputs never 5xx', async () => {
    expect((await fetch(crlUrl('no-such-issuer'))).status).toBe(404);
    expect((await fetch(ocspUrl('no-such-issuer'), { method: 'POST', body: Buffer.from('3000', 'hex') })).status).toBe(404);
    expect((await fetch(ocspUrl(), { method: 'GET' })).status).toBe(405);
    expect((await fetch(crlUrl(), { method: 'POST' })).status).toBe(405);
    const valid = readFileSync(join(dir, 'get-req.der'));
    const hostile: [string, Buffer][] = [
      ['random', Buffer.from(Array.from({ length: 512 }, () => Math.floor(Math.random() * 256)))],
      ['empty', Buffer.alloc(0)],
      ['truncated', valid.subarray(0, valid.length - 7)],
      ['wrong OID', Buffer.from(valid.toString('hex').replace('06052b0e03021a', '06052b0e03021b'), 'hex')],
      ['huge', Buffer.alloc(200_000, 0x30)],
      ['a certificate', Buffer.from(leaf.certificate_pem)],
    ];
    for (const [what, body] of hostile) {
      const res = await fetch(ocspUrl(), { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body });
      expect({ what, status: res.status < 500 }).toEqual({ what, status: true });
      if (res.status === 200) {
        const der = Buffer.from(await res.arrayBuffer());
        const r = openssl(['ocsp', '-respin', file(`hostile-${what.replace(/\W/g, '')}.der`, der), '-resp_text', '-noverify']);
        expect({ what, out: /malformedrequest|unauthorized/i.test(r.out) }).toEqual({ what, out: true });
      }
    }
    for (const path of ['%ZZ', 'AAAA', '!!!', 'a'.repeat(20000)]) {
      const res = await fetch(`${ocspUrl()}/${path}`);
      expect({ path: path.slice(0, 10), ok: res.status < 500 }).toEqual({ path: path.slice(0, 10), ok: true });
    }
    expect((await fetch(`${gatewayUrl()}/.well-known/pki/crl/${'x'.repeat(90)}`)).status).toBe(404);
    const tooLong = (await fetch(`${gatewayUrl()}/.well-known/pki/crl/${'x'.repeat(300)}`)).status;
    expect(tooLong >= 400 && tooLong < 500).toBe(true);
  });

  it('fail/revoking needs certificates:revoke; a bad reason is 422; an unknown certificate 404', async () => {
    const viewer = await api('POST', '/api/v1/api-keys', { body: { name: `${run}-viewer`, role: 'viewer' } });
    const denied = await api('POST', `/api/v1/certificates/${other.id}/revoke`, { key: viewer.body.key, body: { reason: 'superseded' } });
    expect(denied.status).toBe(403);
    const operator = await api('POST', '/api/v1/api-keys', { body: { name: `${run}-operator`, role: 'operator' } });
    const bulkDenied = await api('POST', '/api/v1/certificates/bulk-revoke', { key: operator.body.key, body: { ids: [other.id] } });
    expect(bulkDenied.status).toBe(403);
    expect((await api('POST', `/api/v1/certificates/${other.id}/revoke`, { body: { reason: 'because' } })).status).toBe(422);
    expect((await api('POST', '/api/v1/certificates/cert-nope/revoke', { body: { reason: 'superseded' } })).status).toBe(404);
  });
});

describe('bulk revocation of 1,000 certificates', () => {
  const run = `bk${Date.now().toString(36)}`;
  const N = 1000;
  let certs: any[];
  let caPath: string;

  beforeAll(async () => {
    const issuer = await api('GET', '/api/v1/issuers/iss-local');
    caPath = file('bulk-ca.pem', issuer.body.ca_certificate_pem);
    certs = await issue(Array.from({ length: N }, (_, i) => `${run}-${i}`));
  }, 300000);

  it('ok/completes, and every certificate is revoked in inventory, the CRL and OCSP', async () => {
    const started = Date.now();
    const bulk = await api('POST', '/api/v1/certificates/bulk-revoke', {
      body: { ids: certs.map((c) => c.id), reason: 'cessationOfOperation' },
    });
    expect(bulk.status).toBe(202);
    expect(bulk.body).toMatchObject({ total: N, status: 'queued' });
    expect(bulk.headers.get('location')).toBe(`/api/v1/certificates/bulk-revoke/${bulk.body.id}`);
    const done = await waitFor(
      async () => {
        const g = await api('GET', `/api/v1/certificates/bulk-revoke/${bulk.body.id}`);
        return g.body.status === 'completed' ? g.body : undefined;
      },
      120000,
      'the bulk revocation to complete',
    );
    expect(done).toMatchObject({ revoked: N, failed: 0 });
    process.stdout.write(`bulk revocation of ${N} certificates took ${Date.now() - started} ms\n`);

    const listed: any[] = [];
    let cursor = '';
    for (;;) {
      const page = await api('GET', `/api/v1/certificates?limit=500&q=${run}${cursor}`);
      listed.push(...page.body.data);
      if (!page.body.next_cursor) break;
      cursor = `&cursor=${encodeURIComponent(page.body.next_cursor)}`;
    }
    expect(listed.filter((c) => c.status === 'revoked')).toHaveLength(N);

    const text = await waitFor(
      async () => {
        const c = await fetchCrl();
        return certs.every((x) => c.text.includes(`Serial Number: ${x.serial_number.toUpperCase()}`)) ? c.text : undefined;
      },
      30000,
      'the CRL to list all bulk-revoked serials',
    );
    expect(text).toContain('Cessation Of Operation');

    // OCSP for every one, through openssl: ten certificates per request.
    const pems = await mapLimit(certs, 8, async (c) => {
      for (;;) {
        const r = await api('GET', `/api/v1/certificates/${c.id}`);
        if (r.status === 200) return file(`bulk-${c.id}.pem`, r.body.certificate_pem);
        if (r.status !== 429) throw new Error(`get ${c.id}: ${r.status}`);
        await new Promise((res) => setTimeout(res, 250));
      }
    });
    let revoked = 0;
    for (let i = 0; i < pems.length; i += 10) {
      const batch = pems.slice(i, i + 10);
      const r = openssl(['ocsp', '-issuer', caPath, ...batch.flatMap((p) => ['-cert', p]), '-url', ocspUrl(), '-CAfile', caPath]);
      expect(r.out).toContain('Response verify OK');
      revoked += batch.filter((p) => r.out.includes(`${p}: revoked`)).length;
    }
    expect(revoked).toBe(N);
  }, 300000);

  it('ok/bulk by filter: nothing matches a team without issued certificates → 422', async () => {
    const r = await api('POST', '/api/v1/certificates/bulk-revoke', { body: { team_id: 'no-such-team' } });
    expect(r.status).toBe(422);
    const none = await api('POST', '/api/v1/certificates/bulk-revoke', { body: {} });
    expect(none.status).toBe(422);
  });
});
