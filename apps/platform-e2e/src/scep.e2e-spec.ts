import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayUrl, readState } from './e2e-env';
import { api, expectProblem, waitFor } from './http';

// SCEP (RFC 8894) against the running stack with an independent client: Debian's scepclient
// (micromdm/scep, installed by tools/testing/install-scep-client.sh), curl and openssl.

const openssl = (args: string[], input?: Buffer | string) =>
  execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

interface Exchange {
  request: Buffer;
  response: Buffer;
  status: number;
  contentType: string;
}

/** A recording hop between scepclient and the gateway: keeps each PKIOperation's raw request and CertRep. */
class Recorder {
  readonly exchanges: Exchange[] = [];
  private server?: Server;
  url = '';

  async start(target: string): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
        void fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? request : undefined })
          .then(async (up) => {
            const response = Buffer.from(await up.arrayBuffer());
            const contentType = up.headers.get('content-type') ?? '';
            if (req.url?.includes('PKIOperation')) this.exchanges.push({ request, response, status: up.status, contentType });
            res.writeHead(up.status, { 'content-type': contentType });
            res.end(response);
          })
          .catch(() => res.writeHead(502).end());
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}

/**
 * scepclient's exit code and output (it runs asynchronously: the recorder lives in this process).
 * Each run gets a working directory of its own: scepclient keeps its CSR in ./csr.pem and
 * reuses one it finds there, whatever key it is given.
 */
function scepclient(args: string[]): Promise<{ code: number | null; out: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'certctl-scepclient-'));
  return new Promise((resolve) => {
    const child = spawn('scepclient', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, out });
    });
  });
}

describe('SCEP enrollment with scepclient (RFC 8894)', () => {
  const run = Date.now().toString(36);
  const label = `scep-e2e-${run}`;
  const staticChallenge = `static-${randomBytes(12).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-scep-'));
  const recorder = new Recorder();
  let profileId = '';
  let chainFile = '';
  /** scepclient encrypts to every certificate of GetCACert unless told which one is the RA (its ECDSA CA would make it panic). */
  let raFingerprint = '';

  const file = (name: string) => join(dir, name);
  /** One folder per device: scepclient keeps its CSR (csr.pem) next to the key and reuses it. */
  const device = (name: string) => {
    mkdirSync(file(name), { recursive: true });
    return { key: join(name, 'key.pem'), cert: join(name, 'cert.pem') };
  };
  const enroll = (o: { key: string; cert: string; cn: string; challenge?: string }) =>
    scepclient([
      '-server-url',
      `${recorder.url}/scep/${label}`,
      '-private-key',
      file(o.key),
      '-certificate',
      file(o.cert),
      '-cn',
      o.cn,
      '-ca-fingerprint',
      raFingerprint,
      ...(o.challenge ? ['-challenge', o.challenge] : []),
      '-debug',
    ]);
  const verify = (certFile: string) => openssl(['verify', '-CAfile', chainFile, certFile]).trim();

  beforeAll(async () => {
    const created = await api('POST', '/api/v1/enrollment-profiles', {
      body: {
        protocol: 'scep',
        label,
        profile_id: 'prof-standard-tls',
        issuer_id: 'iss-local',
        owner_id: 'o-alice',
        team_id: 't-platform',
        renewal_policy_id: 'rp-standard',
        settings: { challenge_password: staticChallenge },
      },
    });
    expect(created.status).toBe(201);
    profileId = created.body.id;
    await recorder.start(gatewayUrl());
  });
  afterAll(async () => {
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ok/GetCACaps lists the capabilities (curl)', () => {
    const caps = execFileSync('curl', ['-sS', '-f', `${gatewayUrl()}/scep/${label}?operation=GetCACaps`], { encoding: 'utf8' });
    expect(caps.split('\n').filter(Boolean)).toEqual(['POSTPKIOperation', 'SHA-256', 'SHA-512', 'AES', 'SCEPStandard', 'Renewal']);
  });

  it('ok/GetCACert answers the RA certificate, then the CA chain, as certs-only PKCS#7 (curl and openssl)', () => {
    const der = file('cacert.p7');
    const type = execFileSync(
      'curl',
      ['-sS', '-f', '-o', der, '-w', '%{content_type}', `${gatewayUrl()}/scep/${label}?operation=GetCACert`],
      {
        encoding: 'utf8',
      },
    );
    expect(type).toBe('application/x-x509-ca-ra-cert');
    const pems =
      openssl(['pkcs7', '-inform', 'DER', '-in', der, '-print_certs']).match(
        /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
      ) ?? [];
    expect(pems.length).toBeGreaterThanOrEqual(2);
    const ra = new X509Certificate(pems[0]!);
    expect(ra.subject).toBe(`CN=certctl SCEP RA ${label}`);
    chainFile = file('chain.pem');
    writeFileSync(chainFile, `${pems.slice(1).join('\n')}\n`);
    writeFileSync(file('ra.pem'), pems[0]!);
    raFingerprint = ra.fingerprint256.replace(/:/g, '').toLowerCase();
    expect(verify(file('ra.pem'))).toMatch(/: OK$/);
  });

  it('ok/scepclient enrolls with the static challenge; the certificate verifies against the issuer chain; audited as scep.enroll', async () => {
    const cn = `dev1-${run}.scep.example.com`;
    const r = await enroll({ ...device('dev1'), cn, challenge: staticChallenge });
    expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: expect.stringContaining('pkiStatus=SUCCESS') });
    expect(verify(file('dev1/cert.pem'))).toMatch(/: OK$/);
    const cert = new X509Certificate(readFileSync(file('dev1/cert.pem')));
    expect(cert.subject).toContain(`CN=${cn}`);
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(file('dev1/key.pem'))))).toBe(true);
    const rows = await scepAuditRows('scep.enroll', (row) => row.details.outcome === 'issued');
    expect(rows[0]).toMatchObject({
      actor: expect.stringMatching(new RegExp(`^scep:${label}:`)),
      status: 200,
      resource_type: 'certificate',
    });
  });

  it('ok/a one-time dynamic challenge enrolls once; the same challenge is refused the second time with failInfo badRequest', async () => {
    const made = await api('POST', `/api/v1/enrollment-profiles/${profileId}/scep-challenges`, {
      body: { ttl_minutes: 10, note: 'e2e device 2' },
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ enrollment_profile_id: profileId, challenge: expect.any(String), expires_at: expect.any(String) });
    const first = await enroll({ ...device('dev2'), cn: `dev2-${run}.scep.example.com`, challenge: made.body.challenge });
    expect(first.code).toBe(0);
    expect(verify(file('dev2/cert.pem'))).toMatch(/: OK$/);
    const again = await enroll({ ...device('dev3'), cn: `dev3-${run}.scep.example.com`, challenge: made.body.challenge });
    expect(again.code).not.toBe(0);
    expect(again.out).toContain('failInfo: badRequest');
    expect(
      existsSync(file('dev3/cert.pem')) &&
        new X509Certificate(readFileSync(file('dev3/cert.pem'))).issuer === new X509Certificate(readFileSync(file('dev2/cert.pem'))).issuer,
    ).toBe(false);
  });

  it('err/a wrong challenge is a CertRep with pkiStatus FAILURE and failInfo badRequest (HTTP 200), decoded by openssl', async () => {
    const before = recorder.exchanges.length;
    const r = await enroll({
      ...device('dev4'),
      cn: `dev4-${run}.scep.example.com`,
      challenge: 'not-the-challenge-password',
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('failInfo: badRequest');
    const ex = recorder.exchanges.slice(before).at(-1)!;
    expect({ status: ex.status, type: ex.contentType }).toEqual({ status: 200, type: 'application/x-pki-message' });
    const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER'], ex.response);
    expect(printed).toMatch(/2\.16\.840\.1\.113733\.1\.9\.3[\s\S]*?PRINTABLESTRING:2/); // pkiStatus FAILURE
    expect(printed).toMatch(/2\.16\.840\.1\.113733\.1\.9\.4[\s\S]*?PRINTABLESTRING:2/); // failInfo badRequest
    writeFileSync(file('refused.der'), ex.request);
  });

  it('ok/scepclient renews with RenewalReq signed by the current certificate; the new one verifies and replaces it; audited as scep.renew', async () => {
    const old = new X509Certificate(readFileSync(file('dev1/cert.pem')));
    const r = await enroll({ ...device('dev1'), cn: `dev1-${run}.scep.example.com` });
    expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: expect.stringContaining('pkiStatus=SUCCESS') });
    const renewed = new X509Certificate(readFileSync(file('dev1/cert.pem')));
    expect(renewed.serialNumber).not.toBe(old.serialNumber);
    expect(verify(file('dev1/cert.pem'))).toMatch(/: OK$/);
    const rows = await scepAuditRows('scep.renew', (row) => row.details.outcome === 'issued');
    expect(rows[0]!.actor).toMatch(new RegExp(`^scep:${label}:`));
  });

  it('err/a RenewalReq signed by a certificate this profile did not issue is refused with failInfo badCertId', async () => {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('stray.key'),
      '-out',
      file('stray.pem'),
      '-subj',
      '/CN=stray',
      '-days',
      '2',
    ]);
    openssl(['rsa', '-in', file('stray.key'), '-traditional', '-out', file('stray.key')]); // scepclient reads PKCS#1 keys
    // Not self-signed by scepclient's rules (issuer differs from subject), so it sends RenewalReq.
    openssl(['req', '-new', '-key', file('stray.key'), '-subj', '/CN=stray.scep.example.com', '-out', file('stray.csr')]);
    openssl([
      'x509',
      '-req',
      '-in',
      file('stray.csr'),
      '-CA',
      file('stray.pem'),
      '-CAkey',
      file('stray.key'),
      '-set_serial',
      '7',
      '-days',
      '2',
      '-out',
      file('stray-leaf.pem'),
    ]);
    device('stray');
    writeFileSync(file('stray/key.pem'), readFileSync(file('stray.key')));
    writeFileSync(file('stray/cert.pem'), readFileSync(file('stray-leaf.pem')));
    const r = await enroll({ ...device('stray'), cn: 'stray.scep.example.com' });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('failInfo: badCertID');
  });

  describe('hostile input never gets a 5xx', () => {
    const post = (body: Buffer, type = 'application/x-pki-message', path = `/scep/${label}?operation=PKIOperation`) =>
      fetch(`${gatewayUrl()}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    const asProblem = async (res: Response) => ({ status: res.status, headers: res.headers, body: await res.json(), text: '' });

    it('err/truncated CMS and random bytes are 400 problems', async () => {
      const whole = readFileSync(file('refused.der'));
      for (const body of [whole.subarray(0, Math.floor(whole.length / 2)), randomBytes(2048), Buffer.from([0x30, 0x80])]) {
        expectProblem(await asProblem(await post(body)), 400);
      }
    });

    it('err/a wrong content type, an unknown operation, a bad GET message and an unknown profile are 4xx problems', async () => {
      expectProblem(await asProblem(await post(readFileSync(file('refused.der')), 'application/json')), 400);
      expectProblem(await api('GET', `/scep/${label}?operation=Nope`, { key: null }), 422);
      expectProblem(await api('GET', `/scep/${label}?operation=PKIOperation&message=%25%25%25`, { key: null }), 422);
      expectProblem(
        await api('GET', `/scep/${label}?operation=PKIOperation&message=${randomBytes(300).toString('base64url')}`, { key: null }),
        400,
      );
      expectProblem(await api('GET', `/scep/no-such-profile-${run}?operation=GetCACaps`, { key: null }), 404);
    });

    it('err/a huge body is refused with 413 before parsing', async () => {
      const res = await post(randomBytes(600 * 1024));
      expect(res.status).toBe(413);
    });

    it('ok/a GET PKIOperation with the base64 message is answered with a CertRep like a POST', async () => {
      const message = encodeURIComponent(readFileSync(file('refused.der')).toString('base64'));
      const res = await fetch(`${gatewayUrl()}/scep/${label}?operation=PKIOperation&message=${message}`);
      expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status: 200, type: 'application/x-pki-message' });
      const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER'], Buffer.from(await res.arrayBuffer()));
      expect(printed).toMatch(/2\.16\.840\.1\.113733\.1\.9\.4[\s\S]*?PRINTABLESTRING:2/);
    });
  });

  it('ok/enrollments are counted per profile and outcome in certctl_enrollments_total', async () => {
    const text = await (await fetch(`http://127.0.0.1:${readState().env.CERTCTL_GATEWAY_METRICS_PORT}/metrics`)).text();
    // Label order is the registry's (default labels such as service come along): match each label.
    const count = (outcome: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('certctl_enrollments_total{'))
        .filter((l) => ['protocol="scep"', `profile="${label}"`, `outcome="${outcome}"`].every((part) => l.includes(part)))
        .map((l) => Number(l.split(' ').at(-1)))
        .reduce((a, b) => a + b, 0);
    expect(count('issued')).toBeGreaterThanOrEqual(3);
    expect(count('refused')).toBeGreaterThanOrEqual(2);
  });

  /** This profile's audit rows of an action, once written (the gateway writes them in batches after the response). */
  function scepAuditRows(action: string, complete: (row: { details: Record<string, unknown> }) => boolean) {
    return waitFor(
      async () => {
        const rows = ((await api('GET', `/api/v1/audit?action=${action}`)).body.data ?? []) as {
          actor: string;
          status: number;
          resource_type: string;
          details: Record<string, unknown>;
        }[];
        const mine = rows.filter((row) => row.actor.startsWith(`scep:${label}:`) && complete(row));
        return mine.length > 0 ? mine : undefined;
      },
      15000,
      `the ${action} audit rows of ${label}`,
    );
  }
});
