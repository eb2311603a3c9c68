import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { AppError, type PlatformTlsRpc, type RpcResponse } from '@certctl/contracts';
import { type CreatedCa, createRootCa, exportPrivateKeyPem, generateKeyPair, signLeaf } from '@certctl/pki';
import { freePort } from '@certctl/testing';
import { gatewayEnvSchema, type GatewayConfig } from '../config';
import { GatewayHttps, certificateNames, readMaterial, renewalDue, tlsFiles, uncoveredNames, writeIssued } from './tls';

type Issued = RpcResponse<typeof PlatformTlsRpc.serverCertificateIssue>;
const ENV = { DATABASE_URL: 'postgresql://x@127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1', NATS_URL: 'nats://127.0.0.1' };

let ca: CreatedCa;
beforeAll(async () => {
  ca = await createRootCa({ commonName: 'Unit Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
});

/** What issuance would answer: a P-256 leaf for `names` from the unit root, with its key. */
async function issue(names: string[], o: { notBefore?: Date; validitySeconds?: number } = {}): Promise<Issued> {
  const keys = await generateKeyPair('ECDSA-P256');
  const leaf = await signLeaf({
    issuer: ca,
    subjectPublicKey: keys.publicKey,
    commonName: names[0]!,
    sans: names,
    ekus: ['serverAuth'],
    ...(o.validitySeconds ? { validitySeconds: o.validitySeconds, notBefore: o.notBefore } : { validityDays: 10 }),
  });
  return {
    serial_number: leaf.serialNumber,
    certificate_pem: leaf.certificatePem,
    chain_pem: '',
    root_pem: ca.certificatePem,
    private_key_pem: await exportPrivateKeyPem(keys.privateKey),
    not_before: leaf.notBefore.toISOString(),
    not_after: leaf.notAfter.toISOString(),
  };
}

const config = (env: Record<string, string> = {}): GatewayConfig => gatewayEnvSchema.parse({ ...ENV, ...env });

describe('gateway TLS configuration', () => {
  it('ok/HTTPS is off unless a port is given; empty and 0 both turn it off', () => {
    expect(config().CERTCTL_GATEWAY_TLS_PORT).toBe(0);
    expect(config({ CERTCTL_GATEWAY_TLS_PORT: '' }).CERTCTL_GATEWAY_TLS_PORT).toBe(0);
    expect(config({ CERTCTL_GATEWAY_TLS_PORT: '0' }).CERTCTL_GATEWAY_TLS_PORT).toBe(0);
    expect(config({ CERTCTL_GATEWAY_TLS_PORT: '8443' }).CERTCTL_GATEWAY_TLS_PORT).toBe(8443);
  });

  it('ok/the certificate names are the configured ones plus the public base URL host, each once', () => {
    expect(certificateNames(config())).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(
      certificateNames(
        config({ CERTCTL_GATEWAY_TLS_NAMES: 'LocalHost, 10.0.0.5', CERTCTL_PUBLIC_BASE_URL: 'https://pki.example.com:8443' }),
      ),
    ).toEqual(['localhost', '10.0.0.5', 'pki.example.com']);
    expect(certificateNames(config({ CERTCTL_PUBLIC_BASE_URL: 'https://[::1]:8443' }))).toEqual(['localhost', '127.0.0.1', '::1']);
  });

  it.each([
    [{ CERTCTL_GATEWAY_TLS_NAMES: 'localhost,bad name' }, 'CERTCTL_GATEWAY_TLS_NAMES'],
    [{ CERTCTL_GATEWAY_TLS_NAMES: 'admin@example.com' }, 'CERTCTL_GATEWAY_TLS_NAMES'],
    [{ CERTCTL_GATEWAY_TLS_PORT: '70000' }, 'CERTCTL_GATEWAY_TLS_PORT'],
    [{ CERTCTL_GATEWAY_TLS_CERT_FILE: '/etc/ssl/gw.crt' }, 'CERTCTL_GATEWAY_TLS_KEY_FILE'],
    [{ CERTCTL_GATEWAY_TLS_VALIDITY_DAYS: '398' }, 'CERTCTL_GATEWAY_TLS_VALIDITY_DAYS'],
  ])('fail/%j is refused, naming %s', (env, name) => {
    const r = gatewayEnvSchema.safeParse({ ...ENV, ...env });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(name);
  });
});

describe('certificate checks', () => {
  it('ok/renewal is due once less than a third of the lifetime is left', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-01-31T00:00:00Z'); // 30 days: due from Jan 21
    expect(renewalDue(from, to, new Date('2026-01-20T23:59:00Z'))).toBe(false);
    expect(renewalDue(from, to, new Date('2026-01-21T00:00:00Z'))).toBe(true);
    expect(renewalDue(from, to, new Date('2026-02-01T00:00:00Z'))).toBe(true);
  });

  it('ok/names are checked by host, wildcard and IP (IPv6 in any spelling)', async () => {
    const { certificate_pem } = await issue(['localhost', '*.svc.example', '127.0.0.1', '::1']);
    expect(uncoveredNames(certificate_pem, ['localhost', '*.svc.example', '127.0.0.1', '0:0:0:0:0:0:0:1'])).toEqual([]);
    expect(uncoveredNames(certificate_pem, ['pki.example.com', 'a.svc.example', '10.0.0.1'])).toEqual(['pki.example.com', '10.0.0.1']);
  });

  it('fail/a key that is not the certificate’s, or files that are not PEM, are refused with the file named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
    const [a, b] = [await issue(['localhost']), await issue(['localhost'])];
    writeFileSync(join(dir, 'a.crt'), a.certificate_pem);
    writeFileSync(join(dir, 'b.key'), b.private_key_pem);
    writeFileSync(join(dir, 'junk'), 'not pem');
    expect(() => readMaterial(join(dir, 'a.crt'), join(dir, 'b.key'))).toThrow(/b\.key is not the key of the certificate in .*a\.crt/);
    expect(() => readMaterial(join(dir, 'junk'), join(dir, 'b.key'))).toThrow(/junk is not a PEM certificate/);
    expect(() => readMaterial(join(dir, 'a.crt'), join(dir, 'junk'))).toThrow(/junk is not a PEM private key/);
  });

  it('ok/issued files: key 0600 in a 0700 folder, certificate then chain, the root as ca.pem', async () => {
    const files = tlsFiles({ CERTCTL_DATA_DIR: mkdtempSync(join(tmpdir(), 'gw-tls-')) });
    const issued = { ...(await issue(['localhost'])), chain_pem: ca.certificatePem };
    writeIssued(files, issued);
    expect(statSync(files.key).mode & 0o777).toBe(0o600);
    expect(statSync(files.dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(files.cert, 'utf8')).toBe(`${issued.certificate_pem.trim()}\n${ca.certificatePem.trim()}\n`);
    expect(readFileSync(files.ca, 'utf8')).toBe(`${ca.certificatePem.trim()}\n`);
    expect(readMaterial(files.cert, files.key).notAfter.toISOString()).toBe(issued.not_after);
  });
});

/** GET over HTTPS trusting only the unit root; resolves with status, body and the served certificate's serial. */
function httpsGet(port: number, path: string): Promise<{ status: number; body: string; serial: string }> {
  return new Promise((done, fail) => {
    const req = get({ host: '127.0.0.1', port, path, servername: 'localhost', ca: ca.certificatePem }, (res) => {
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber.toLowerCase();
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body, serial }));
    });
    req.on('error', fail);
  });
}

describe('GatewayHttps', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** A Fastify app with one route and the HTTPS listener, started as main.ts does. */
  async function gateway(env: Record<string, string>, request: jest.Mock): Promise<number> {
    const port = await freePort();
    app = Fastify();
    app.get('/hello', async (req) => ({ protocol: req.protocol }));
    const https = new GatewayHttps(app, config({ CERTCTL_GATEWAY_TLS_PORT: String(port), ...env }), { request });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await https.start();
    return port;
  }

  async function served(port: number): Promise<{ status: number; body: string; serial: string }> {
    for (let i = 0; ; i++) {
      try {
        return await httpsGet(port, '/hello');
      } catch (err) {
        if (i > 200) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  const storedIn = async (names: string[], o?: { notBefore?: Date; validitySeconds?: number }) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
    const issued = await issue(names, o);
    writeIssued(tlsFiles({ CERTCTL_DATA_DIR: dataDir }), issued);
    return { dataDir, issued };
  };

  it('ok/retries with backoff while issuance cannot sign, then serves the same app over HTTPS with the issued certificate', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
    const issued = await issue(['localhost', '127.0.0.1', '::1']);
    const request = jest
      .fn()
      .mockRejectedValueOnce(new AppError('service_unavailable', 'no responders'))
      .mockRejectedValueOnce(new AppError('issuer_failure', 'issuer iss-local has no CA yet'))
      .mockResolvedValueOnce(issued);
    const started = Date.now();
    const port = await gateway({ CERTCTL_DATA_DIR: dataDir }, request);
    const r = await served(port);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400); // 500 ms, then 1 s
    expect(r).toEqual({ status: 200, body: '{"protocol":"https"}', serial: issued.serial_number });
    expect(request).toHaveBeenCalledTimes(3);
    expect(request.mock.calls[0][1]).toEqual({
      issuer_id: 'iss-local',
      names: ['localhost', '127.0.0.1', '::1'],
      validity_days: 90,
      requester: 'gateway',
    });
    expect(readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8').trim()).toBe(ca.certificatePem.trim());
  });

  it('ok/a stored certificate that covers the names and is not due is reused without asking issuance', async () => {
    const { dataDir, issued } = await storedIn(['localhost', '127.0.0.1', '::1']);
    const request = jest.fn();
    expect((await served(await gateway({ CERTCTL_DATA_DIR: dataDir }, request))).serial).toBe(issued.serial_number);
    expect(request).not.toHaveBeenCalled();
  });

  it.each([
    [
      'within a third of its lifetime of expiry',
      ['localhost', '127.0.0.1', '::1'],
      { notBefore: new Date(Date.now() - 2500_000), validitySeconds: 3000 },
      {},
    ],
    ['missing a configured name', ['localhost', '127.0.0.1', '::1'], undefined, { CERTCTL_PUBLIC_BASE_URL: 'https://pki.example.com' }],
  ])('ok/a stored certificate %s is replaced at start', async (_why, names, o, env) => {
    const { dataDir, issued: old } = await storedIn(names, o);
    const fresh = await issue(['localhost', '127.0.0.1', '::1', 'pki.example.com']);
    const request = jest.fn().mockResolvedValue(fresh);
    const port = await gateway({ CERTCTL_DATA_DIR: dataDir, ...env }, request);
    expect((await served(port)).serial).toBe(fresh.serial_number);
    expect(fresh.serial_number).not.toBe(old.serial_number);
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('ok/operator files are served as given and issuance is never asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
    const own = await issue(['localhost']);
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc', 'gw.crt'), own.certificate_pem);
    writeFileSync(join(dir, 'etc', 'gw.key'), own.private_key_pem);
    const request = jest.fn();
    const env = {
      CERTCTL_DATA_DIR: dir,
      CERTCTL_GATEWAY_TLS_CERT_FILE: join(dir, 'etc', 'gw.crt'),
      CERTCTL_GATEWAY_TLS_KEY_FILE: join(dir, 'etc', 'gw.key'),
    };
    expect((await served(await gateway(env, request))).serial).toBe(own.serial_number);
    expect(request).not.toHaveBeenCalled();
    expect(new X509Certificate(readFileSync(join(dir, 'etc', 'gw.crt'))).serialNumber.toLowerCase()).toBe(own.serial_number);
  });

  it('ok/port 0 starts nothing; closing the app stops the retries', async () => {
    const off = jest.fn();
    await gateway({ CERTCTL_GATEWAY_TLS_PORT: '0' }, off);
    expect(off).not.toHaveBeenCalled();
    await app!.close();

    const failing = jest.fn().mockRejectedValue(new AppError('service_unavailable', 'no responders'));
    await gateway({ CERTCTL_DATA_DIR: mkdtempSync(join(tmpdir(), 'gw-tls-')) }, failing);
    for (let i = 0; i < 200 && failing.mock.calls.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await app!.close();
    const calls = failing.mock.calls.length;
    expect(calls).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(failing.mock.calls.length).toBe(calls);
  });
});
