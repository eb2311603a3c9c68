import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import * as tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import * as acme from 'acme-client';
import { Client } from 'pg';
import { api, waitFor } from './http';
import { readState } from './e2e-env';
import { RawAcme, acmeFetch, challengeServer, directoryUrl, issueWithDns01, opensslVerify, trustPlatformCa } from './acme-support';

jest.setTimeout(120000);
trustPlatformCa();

const fastPolling = { backoffAttempts: 30, backoffMin: 100, backoffMax: 500 };
const ACME_ERR = 'urn:ietf:params:acme:error:';

async function newClient(o: { profile?: string; eab?: { kid: string; hmacKey: string } } = {}) {
  const client = new acme.Client({
    directoryUrl: directoryUrl(o.profile),
    accountKey: await acme.crypto.createPrivateEcdsaKey(),
    ...(o.eab ? { externalAccountBinding: o.eab } : {}),
    ...fastPolling,
  });
  await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:ops@example.com'] });
  return client;
}

async function csrFor(names: string[]) {
  const [key, csr] = await acme.crypto.createCsr({ commonName: names[0], altNames: names }, await acme.crypto.createPrivateEcdsaKey());
  return { key, csr };
}

describe('ACME server driven by acme-client (RFC 8555)', () => {
  it('ok/the directory lists every resource and meta; new-nonce answers HEAD 200 and GET 204 with a fresh, uncached nonce', async () => {
    const dir = await getJson(directoryUrl());
    expect(Object.keys(dir).sort()).toEqual(['keyChange', 'meta', 'newAccount', 'newNonce', 'newOrder', 'renewalInfo', 'revokeCert']);
    expect(dir.meta).toMatchObject({ externalAccountRequired: false });
    const head = await acmeFetch(dir.newNonce, { method: 'HEAD' });
    const get = await acmeFetch(dir.newNonce);
    expect([head.status, get.status]).toEqual([200, 204]);
    expect(head.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(head.headers.get('replay-nonce')).not.toEqual(get.headers.get('replay-nonce'));
    expect(head.headers.get('cache-control')).toBe('no-store');
    expect(head.headers.get('link')).toContain('rel="index"');
  });

  it('ok/dns-01 for a wildcard and its base name, with TXT records the test serves; the chain verifies and the inventory records the order', async () => {
    const client = await newClient();
    const names = ['dns01.example.test', '*.dns01.example.test'];
    const { csr } = await csrFor(names);
    const offered: string[][] = [];
    const pem = await client.auto({
      csr,
      challengePriority: ['dns-01'],
      skipChallengeVerification: true,
      termsOfServiceAgreed: true,
      challengeCreateFn: async (authz, _challenge, keyAuthorization) => {
        offered.push(authz.challenges.map((c) => c.type).sort());
        await challengeServer('/set-txt', { host: `_acme-challenge.${authz.identifier.value}.`, value: keyAuthorization });
      },
      // Both authorizations share one TXT name and are validated in parallel: clear it once both are done.
      challengeRemoveFn: async () => undefined,
    });
    await challengeServer('/clear-txt', { host: '_acme-challenge.dns01.example.test.' });
    // acme-client hands dns-01 the TXT value itself: base64url(SHA-256(key authorization)).
    // The wildcard's authorization offers dns-01 only; the base name all three.
    expect(offered.sort()).toEqual([['dns-01'], ['dns-01', 'http-01', 'tls-alpn-01']]);
    expect(await opensslVerify(pem)).toContain(': OK');
    const info = acme.crypto.readCertificateInfo(pem);
    expect(info.domains.altNames.sort()).toEqual([...names].sort());

    const orders = await api('GET', '/api/v1/acme/orders?limit=50');
    const order = orders.body.data.find((o: any) => o.identifiers.some((i: any) => i.value === 'dns01.example.test'));
    expect(order).toMatchObject({ status: 'valid', certificate_id: expect.any(String) });
    const cert = await api('GET', `/api/v1/certificates/${order.certificate_id}`);
    expect(cert.body).toMatchObject({ status: 'active', sans: [...names].sort() });
    expect(cert.body.tags).toMatchObject({ acme_order_id: order.id, acme_account_id: order.account_id });
  });

  it('fail/dns-01 with a wrong TXT value leaves the order invalid with incorrectResponse', async () => {
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'wrongtxt.example.test' }] });
    const [authz] = await client.getAuthorizations(order);
    const challenge = authz.challenges.find((c) => c.type === 'dns-01')!;
    await challengeServer('/set-txt', { host: '_acme-challenge.wrongtxt.example.test.', value: 'not-the-digest' });
    await client.completeChallenge(challenge);
    const after = await client.getOrder(order);
    expect(after.status).toBe('invalid');
    expect(after.error).toMatchObject({ subproblems: [expect.objectContaining({ type: `${ACME_ERR}incorrectResponse` })] });
  });

  it("ok/tls-alpn-01 answered by a TLS server the test runs with acme-client's acme-tls/1 certificate", async () => {
    const { acme: ports } = readState();
    const client = await newClient();
    const { csr } = await csrFor(['alpn.example.test']);
    let server: tls.Server | undefined;
    const pem = await client.auto({
      csr,
      challengePriority: ['tls-alpn-01'],
      skipChallengeVerification: true,
      termsOfServiceAgreed: true,
      challengeCreateFn: async (authz, _challenge, keyAuthorization) => {
        const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
        server = tls.createServer({ key, cert, ALPNProtocols: ['acme-tls/1'] });
        await new Promise<void>((r) => server!.listen(ports.tlsAlpn01Port, '127.0.0.1', () => r()));
      },
      challengeRemoveFn: async () => {
        await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      },
    });
    expect(await opensslVerify(pem)).toContain(': OK');
  });

  it('ok/key rollover: the new key signs for the account, the old key no longer finds it, a key in use is a conflict', async () => {
    const client = await newClient();
    const url = client.getAccountUrl();
    const other = await newClient();
    const otherKey = (other as unknown as { api: { http: { accountKey: Buffer } } }).api.http.accountKey;
    await expect(client.updateAccountKey(otherKey)).rejects.toThrow(/in use/);

    const oldKey = (client as unknown as { api: { http: { accountKey: Buffer } } }).api.http.accountKey;
    await client.updateAccountKey(await acme.crypto.createPrivateEcdsaKey());
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'rolled.example.test' }] });
    expect(order.status).toBe('pending');
    const stale = new acme.Client({ directoryUrl: directoryUrl(), accountKey: oldKey, ...fastPolling });
    await expect(stale.createAccount({ onlyReturnExisting: true })).rejects.toThrow(/no account exists/);
    expect(url).toMatch(/\/acme\/acct\//);
  });

  it('ok/account deactivation: later requests are unauthorized', async () => {
    const client = await newClient();
    const acct = await client.updateAccount({ status: 'deactivated' });
    expect(acct.status).toBe('deactivated');
    await expect(client.createOrder({ identifiers: [{ type: 'dns', value: 'gone.example.test' }] })).rejects.toThrow(/deactivated/);
  });

  describe('error paths carry the RFC 8555 problem types', () => {
    let raw: RawAcme;
    beforeAll(async () => {
      raw = await (await new RawAcme().init()).register();
    });

    it('fail/a made-up nonce is badNonce, with a fresh Replay-Nonce to retry with', async () => {
      const r = await raw.post(
        raw.directory.newOrder,
        { identifiers: [{ type: 'dns', value: 'x.example.test' }] },
        { nonce: 'A'.repeat(43) },
      );
      expect({ status: r.status, type: r.body.type, ctype: r.headers.get('content-type') }).toEqual({
        status: 400,
        type: `${ACME_ERR}badNonce`,
        ctype: expect.stringContaining('application/problem+json'),
      });
      expect(r.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('fail/a nonce is good once: replaying it is badNonce', async () => {
      const nonce = await raw.nonce();
      const first = await raw.post(raw.kid!, '', { nonce });
      const again = await raw.post(raw.kid!, '', { nonce });
      expect([first.status, again.status, again.body.type]).toEqual([200, 400, `${ACME_ERR}badNonce`]);
    });

    it('fail/a JWS whose url is not the request URL is unauthorized', async () => {
      const r = await raw.post(
        raw.directory.newOrder,
        { identifiers: [{ type: 'dns', value: 'x.example.test' }] },
        { signUrl: raw.directory.revokeCert },
      );
      expect([r.status, r.body.type]).toEqual([403, `${ACME_ERR}unauthorized`]);
    });

    it("fail/a request signed with a key other than the account's is malformed (signature does not verify)", async () => {
      const wrongKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const r = await raw.post(raw.directory.newOrder, { identifiers: [{ type: 'dns', value: 'x.example.test' }] }, { key: wrongKey });
      expect([r.status, r.body.type]).toEqual([400, `${ACME_ERR}malformed`]);
      expect(r.body.detail).toMatch(/signature/);
    });

    it('fail/an unknown account kid is accountDoesNotExist; jwk where kid is required is malformed', async () => {
      const unknown = await raw.post(raw.directory.newOrder, {}, { kid: raw.kid!.replace(/acct\/.*/, 'acct/acct-nope') });
      expect([unknown.status, unknown.body.type]).toEqual([400, `${ACME_ERR}accountDoesNotExist`]);
      const jwk = await raw.post(raw.directory.newOrder, {}, { useJwk: true });
      expect([jwk.status, jwk.body.type]).toEqual([400, `${ACME_ERR}malformed`]);
    });

    it('fail/bad identifiers are rejectedIdentifier with one subproblem each; notAfter is refused as malformed', async () => {
      const r = await raw.post(raw.directory.newOrder, {
        identifiers: [
          { type: 'dns', value: 'ok.example.test' },
          { type: 'dns', value: '*.*.double.example.test' },
          { type: 'dns', value: 'bad_name.example.test' },
        ],
      });
      expect([r.status, r.body.type, r.body.subproblems.length]).toEqual([400, `${ACME_ERR}rejectedIdentifier`, 2]);
      const v = await raw.post(raw.directory.newOrder, {
        identifiers: [{ type: 'dns', value: 'ok.example.test' }],
        notAfter: '2030-01-01T00:00:00Z',
      });
      expect([v.status, v.body.type]).toEqual([400, `${ACME_ERR}malformed`]);
    });

    it('fail/finalize before the authorizations are valid is orderNotReady; a CSR naming other names is badCSR', async () => {
      const client = await newClient();
      const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'mismatch.example.test' }] });
      const { csr } = await csrFor(['mismatch.example.test']);
      await expect(client.finalizeOrder(order, csr)).rejects.toThrow(/not ready/);

      const [authz] = await client.getAuthorizations(order);
      const challenge = authz.challenges.find((c) => c.type === 'dns-01')!;
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      await challengeServer('/set-txt', { host: '_acme-challenge.mismatch.example.test.', value: keyAuthorization });
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(challenge);
      const { csr: wrong } = await csrFor(['mismatch.example.test', 'extra.example.test']);
      const err = await client.finalizeOrder(order, wrong).catch((e: Error) => e);
      expect(String(err)).toMatch(/not in the order: extra\.example\.test/);
      // the order is still ready: the right CSR finalizes it
      const done = await client.finalizeOrder(order, csr);
      expect(done.status).toBe('valid');
    });

    it('fail/more than 5 pending orders at once is rateLimited with Retry-After', async () => {
      const limited = await (await new RawAcme().init()).register();
      const statuses: number[] = [];
      let last: Awaited<ReturnType<RawAcme['post']>> | undefined;
      for (let i = 0; i < 6; i++) {
        last = await limited.post(limited.directory.newOrder, { identifiers: [{ type: 'dns', value: `rl${i}.example.test` }] });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
      expect(last!.body.type).toBe(`${ACME_ERR}rateLimited`);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('fail/a body that is not application/jose+json is refused as malformed (415)', async () => {
      const r = await acmeFetch(raw.directory.newOrder, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(r.status).toBe(415);
      expect(((await r.json()) as any).type).toBe(`${ACME_ERR}malformed`);
    });
  });

  it('ok/revokeCert by the account, then by the certificate key is alreadyRevoked; a bad reason is badRevocationReason', async () => {
    const client = await newClient();
    const names = ['revoke.example.test'];
    const { key, csr } = await csrFor(names);
    const pem = await issueWithDns01(client, csr);
    const der = Buffer.from(pem.split('-----END CERTIFICATE-----')[0].replace(/-----BEGIN CERTIFICATE-----|\s/g, ''), 'base64');

    const raw = await new RawAcme(createPrivateKey(key)).init();
    const badReason = await raw.post(raw.directory.revokeCert, { certificate: der.toString('base64url'), reason: 7 }, { useJwk: true });
    expect([badReason.status, badReason.body.type]).toEqual([400, `${ACME_ERR}badRevocationReason`]);

    await client.revokeCertificate(pem, { reason: 4 });
    const again = await raw.post(raw.directory.revokeCert, { certificate: der.toString('base64url'), reason: 1 }, { useJwk: true });
    expect([again.status, again.body.type]).toEqual([400, `${ACME_ERR}alreadyRevoked`]);

    // ARI: a revoked certificate should be renewed now
    const certId = ariCertId(pem);
    const ari = await acmeFetch(`${(await getJson(directoryUrl())).renewalInfo}/${certId}`);
    const body = (await ari.json()) as any;
    expect(new Date(body.suggestedWindow.end).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('ok/ARI: renewalInfo gives a window inside the certificate lifetime and a Retry-After; unknown ids are 404', async () => {
    const client = await newClient();
    const { csr } = await csrFor(['ari.example.test']);
    const pem = await issueWithDns01(client, csr);
    const info = acme.crypto.readCertificateInfo(pem);
    const dir = await getJson(directoryUrl());
    const r = await acmeFetch(`${dir.renewalInfo}/${ariCertId(pem)}`);
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    const { suggestedWindow } = (await r.json()) as any;
    const start = new Date(suggestedWindow.start).getTime();
    const end = new Date(suggestedWindow.end).getTime();
    expect(start).toBeGreaterThan(info.notBefore.getTime());
    expect(end).toBeGreaterThan(start);
    expect(end).toBeLessThan(info.notAfter.getTime());
    // RFC 9773 §5: an order may say which certificate it replaces, once
    const replacing = await client.createOrder({
      identifiers: [{ type: 'dns', value: 'ari.example.test' }],
      replaces: ariCertId(pem),
    } as never);
    expect(replacing).toMatchObject({ status: 'pending', replaces: ariCertId(pem) });
    const twice = await client
      .createOrder({ identifiers: [{ type: 'dns', value: 'ari.example.test' }], replaces: ariCertId(pem) } as never)
      .catch((e: Error) => e);
    expect(String(twice)).toMatch(/already been replaced/);
    const missing = await acmeFetch(`${dir.renewalInfo}/AAAA.AQID`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).type).toBe(`${ACME_ERR}malformed`);
  });

  it('ok/garbage collection: an order and its authorization past their expiry become invalid and expired without a client', async () => {
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'stale.example.test' }] });
    const orderId = order.url.split('/').pop()!;
    const db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    try {
      // as if a day had passed
      await db.query(`UPDATE acme_orders SET expires_at = now() - interval '1 minute' WHERE id = $1`, [orderId]);
      await db.query(`UPDATE acme_authorizations SET expires_at = now() - interval '1 minute' WHERE order_id = $1`, [orderId]);
      const swept = await waitFor(
        async () => {
          const r = await db.query(
            `SELECT o.status AS order_status, a.status AS authz_status FROM acme_orders o JOIN acme_authorizations a ON a.order_id = o.id WHERE o.id = $1`,
            [orderId],
          );
          return r.rows[0]?.order_status === 'invalid' ? r.rows[0] : undefined;
        },
        15000,
        'the ACME GC loop',
      );
      expect(swept).toEqual({ order_status: 'invalid', authz_status: 'expired' });
    } finally {
      await db.end();
    }
  });

  it('ok/an EAB-only trust_authenticated profile: no EAB is externalAccountRequired; with EAB the order is ready at once', async () => {
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: 'acme-internal', acme_auth_mode: 'trust_authenticated', acme_eab_required: true, allow_internal_names: true },
    });
    expect(profile.status).toBe(201);
    const dir = await getJson(directoryUrl(profile.body.id));
    expect(dir.meta.externalAccountRequired).toBe(true);
    const plain = new acme.Client({
      directoryUrl: directoryUrl(profile.body.id),
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
      ...fastPolling,
    });
    await expect(plain.createAccount({ termsOfServiceAgreed: true })).rejects.toThrow(/external account binding/);

    const eab = await api('POST', '/api/v1/acme/eab-keys', { body: { profile_id: profile.body.id, description: 'k8s cluster' } });
    expect(eab.status).toBe(201);
    const client = await newClient({ profile: profile.body.id, eab: { kid: eab.body.id, hmacKey: eab.body.hmac_key } });
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'internal.corp.test' }] });
    expect(order.status).toBe('ready');
    const { csr } = await csrFor(['internal.corp.test']);
    const done = await client.finalizeOrder(order, csr);
    expect(done.status).toBe('valid');
    expect(await opensslVerify(await client.getCertificate(done))).toContain(': OK');
    // the key is now bound: it cannot make a second account, and is listed as bound
    const reuse = await newClient({ profile: profile.body.id, eab: { kid: eab.body.id, hmacKey: eab.body.hmac_key } }).catch(
      (e: Error) => e,
    );
    expect(String(reuse)).toMatch(/already been used/);
    const keys = await api('GET', '/api/v1/acme/eab-keys');
    expect(keys.body.data.find((k: any) => k.id === eab.body.id)).toMatchObject({ account_id: expect.any(String) });
    expect(JSON.stringify(keys.body)).not.toContain(eab.body.hmac_key);
  });
});

async function getJson(url: string): Promise<any> {
  return (await acmeFetch(url)).json();
}

/** RFC 9773 certificate identifier: base64url(AKI keyIdentifier).base64url(serial). */
function ariCertId(pem: string): string {
  const cert = new x509.X509Certificate(pem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n');
  const aki = Buffer.from(cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId!, 'hex');
  let serial = Buffer.from(cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber, 'hex');
  if (serial[0]! & 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${aki.toString('base64url')}.${serial.toString('base64url')}`;
}
