import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import type { ModuleRef } from '@nestjs/core';
import type { IssuanceConfig } from '../config';
import type { IssuerRepository } from '../issuers/issuer.repository';
import type { IssuedCertificateRepository } from '../issuing/issued-certificate.repository';
import { AcmeConnector, ariCertId, classify } from './acme.connector';
import { ConnectorError } from './connector';

const connector = (allowHttp = false) =>
  new AcmeConnector(
    {} as IssuerRepository,
    {} as IssuedCertificateRepository,
    {} as ModuleRef,
    {
      CERTCTL_ACME_CONNECTOR_ALLOW_HTTP: allowHttp,
    } as IssuanceConfig,
  );

const base = { directory_url: 'https://acme.example/directory', email: 'ops@example.com', challenge: 'http-01' };
const fields = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (r.error?.issues ?? []).map((i) => i.path.join('.')).sort();

describe('acme connector config', () => {
  it('ok/defaults: dns-01 with a hook, timeouts, and the secret fields', () => {
    const c = connector().configSchema.parse({ ...base, challenge: undefined, dns_hook: { present: ['/usr/local/bin/dns-hook', 'add'] } });
    expect(c).toMatchObject({
      challenge: 'dns-01',
      dns_hook: { timeout_ms: 30000, propagation_delay_ms: 0 },
      order_timeout_ms: 120000,
      inline_wait_ms: 10000,
    });
    expect(connector().secretFields).toEqual(['eab', 'account_key_pem']);
  });

  it('fail/http directories only when the service allows them; dns-01 needs a hook with an absolute, normalized executable', () => {
    const http = { ...base, directory_url: 'http://127.0.0.1:8080/acme/directory' };
    expect(fields(connector().configSchema.safeParse(http))).toEqual(['directory_url']);
    expect(connector(true).configSchema.safeParse(http).success).toBe(true);
    expect(fields(connector().configSchema.safeParse({ ...base, challenge: 'dns-01' }))).toEqual(['dns_hook']);
    const hook = (present: string[]) => connector().configSchema.safeParse({ ...base, challenge: 'dns-01', dns_hook: { present } });
    expect(fields(hook(['hook.sh']))).toEqual(['dns_hook.present.0']);
    expect(fields(hook(['/opt/../bin/hook']))).toEqual(['dns_hook.present.0']);
    expect(fields(hook([]))).toEqual(['dns_hook.present.0']);
    expect(fields(connector().configSchema.safeParse({ ...base, surprise: 1, ca_bundle_pem: 'not a pem', eab: { kid: 'k' } }))).toEqual([
      '',
      'ca_bundle_pem',
      'eab.hmac_key',
    ]);
  });
});

describe('acme connector error classification', () => {
  const err = new Error('acme-client says no');

  it('fail/the CA refusing the CSR, an identifier or a challenge is terminal and carries the problem detail', () => {
    const badCsr = classify({ status: 400, body: { type: 'urn:ietf:params:acme:error:badCSR', detail: 'key too small' } }, 'finalize', err);
    expect(badCsr).toBeInstanceOf(ConnectorError);
    expect({ retryable: badCsr.retryable, message: badCsr.message }).toEqual({
      retryable: false,
      message: 'the ACME CA refused finalize: badCSR: key too small',
    });
    const challenge = classify(
      { status: 200, body: { status: 'invalid', error: { type: 'urn:ietf:params:acme:error:incorrectResponse', detail: 'TXT mismatch' } } },
      'the dns-01 challenge for a.example',
      err,
    );
    expect({ retryable: challenge.retryable, message: challenge.message }).toEqual({
      retryable: false,
      message: 'the ACME CA refused the dns-01 challenge for a.example: incorrectResponse: TXT mismatch',
    });
    const rejected = classify(
      {
        status: 400,
        body: {
          type: 'urn:ietf:params:acme:error:rejectedIdentifier',
          detail: 'not allowed',
          subproblems: [{ type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'x.internal' }],
        },
      },
      'newOrder',
      err,
    );
    expect(rejected.retryable).toBe(false);
    expect(rejected.message).toBe('the ACME CA refused newOrder: rejectedIdentifier: not allowed; rejectedIdentifier: x.internal');
  });

  it('ok/rate limits, 5xx, network failures and polling timeouts are retryable', () => {
    const rate = classify({ status: 429, body: { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'slow down' } }, 'newOrder', err);
    expect([rate.retryable, rate.message]).toEqual([true, 'the ACME CA refused newOrder: rateLimited: slow down']);
    expect(classify({ status: 503, body: 'busy' }, 'newOrder', err).retryable).toBe(true);
    const down = classify({ network: 'ECONNREFUSED' }, 'the directory', err);
    expect([down.retryable, down.message]).toEqual([true, 'the ACME CA is unreachable (the directory): ECONNREFUSED']);
    expect(classify({ status: 200, body: { status: 'pending' } }, 'finalize', new Error('Operation is pending')).retryable).toBe(true);
    const passthrough = ConnectorError.terminal('hook failed');
    expect(classify({}, 'x', passthrough)).toBe(passthrough);
  });
});

describe('ARI certificate identifier (RFC 9773 §4.1)', () => {
  it('ok/base64url of the AKI key id, a dot, base64url of the serial with a leading zero when its high bit is set', () => {
    // openssl x509 -req … -set_serial 0x87654321 -extfile (authorityKeyIdentifier=keyid); AKI 65:D1:08:84:…:7E:FD
    expect(ariCertId(LEAF)).toBe('ZdEIhCtEK4MoEpUXQQlCucA-fv0.AIdlQyE');
  });

  it("ok/the RFC's own example: AKI 69:88:5B:…:C8:D4 and serial 0x0087654321 give aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", async () => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: '0087654321',
      subject: 'CN=ari.example.com',
      issuer: 'CN=RFC 9773 example CA',
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2025-04-01T00:00:00Z'),
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: alg,
      extensions: [new x509.AuthorityKeyIdentifierExtension('69885b6b87464041e1b37b847ba0ae2cde01c8d4')],
    });
    expect(ariCertId(cert.toString('pem'))).toBe('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });
});

describe('renewalInfo and the health check against a stand-in directory (unit: a local HTTP server plays the CA)', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];
  let meta: Record<string, unknown> = {};
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (req.url === '/directory') {
        const dir = { newNonce: `${base}/nonce`, newAccount: `${base}/acct`, newOrder: `${base}/order`, renewalInfo: `${base}/ari/`, meta };
        return res.end(JSON.stringify(dir));
      }
      if (req.url?.startsWith('/ari/')) {
        return res.end(JSON.stringify({ suggestedWindow: { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' } }));
      }
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const issuer = () => ({
    id: 'iss-acme-unit',
    name: 'unit',
    type: 'acme' as const,
    config: connector(true).configSchema.parse({ directory_url: `${base}/directory`, email: 'ops@example.com', challenge: 'http-01' }),
  });

  it('ok/renewalInfo asks <renewalInfo>/<cert id> and answers the suggested window', async () => {
    const window = await connector(true).renewalInfo(issuer(), LEAF);
    expect(window).toEqual({ start: new Date('2030-01-01T00:00:00Z'), end: new Date('2030-01-02T00:00:00Z') });
    expect(seen).toContain(`/ari/${ariCertId(LEAF)}`);
  });

  it('fail/the health check: ok without an account yet; ok=false when the CA wants EAB and none is configured, or is unreachable', async () => {
    meta = {};
    const fresh = await connector(true).healthCheck(issuer());
    expect(fresh).toEqual({ ok: true, detail: 'the directory answers (4 resources); no account yet: it is created on first issuance' });
    meta = { externalAccountRequired: true };
    const eab = await connector(true).healthCheck(issuer());
    expect(eab.ok).toBe(false);
    expect(eab.detail).toContain('requires an external account binding');
    const down = { ...issuer(), config: { ...issuer().config, directory_url: 'http://127.0.0.1:1/directory' } };
    expect(await connector(true).healthCheck(down)).toEqual({
      ok: false,
      detail: expect.stringMatching(/^the ACME CA is unreachable \(the directory\): no response from http:\/\/127\.0\.0\.1:1/),
    });
  });
});

const LEAF = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBVzCB/6ADAgECAgUAh2VDITAKBggqhkjOPQQDAjARMQ8wDQYDVQQDDAZhcmkt',
  'Y2EwHhcNMjYxMTIzMTU0ODU5WhcNMjYxMTI0MTU0ODU5WjATMREwDwYDVQQDDAhh',
  'cmktbGVhZjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABKYrkqnyU6YLnlzK6HLc',
  'UoCIF2Tb1gL29B6g47Ou1ac8ON9qfbNDe0pcY9D+5aKJujQn3Cf84cXe1gPtPdjB',
  'CqWjQjBAMB8GA1UdIwQYMBaAFGXRCIQrRCuDKBKVF0EJQrnAPn79MB0GA1UdDgQW',
  'BBRLfYZqMhDtwst5RR/uCwbYXTStJzAKBggqhkjOPQQDAgNHADBEAiBYx54eEhUG',
  'Sw20n6VgWC+azov3Gt4owm4xeqp2YO4keAIgQuT7e/iwIa3qR8keEbrtXd/rAo5G',
  'G5ynwuVsCK+GJI8=',
  '-----END CERTIFICATE-----',
].join('\n');
