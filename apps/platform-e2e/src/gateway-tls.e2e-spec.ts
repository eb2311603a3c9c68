import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { type ServiceProcess, freePort, startService, waitHttpsReady, waitReady } from '@certctl/testing';
import { type E2eState, readState, writeState } from './e2e-env';
import { api, exitsWithin, waitFor } from './http';

/** Runs a command with stdin closed; resolves with its exit code and output (never rejects). */
function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const child = execFile(cmd, args, { timeout: 20000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, out: `${stdout}${stderr}` }),
    );
    child.stdin?.end();
  });
}

const files = (state: E2eState) => ({
  cert: join(state.tls.dir, 'server.crt'),
  key: join(state.tls.dir, 'server.key'),
  ca: join(state.tls.dir, 'ca.pem'),
});

/** The certificate a TLS port serves, its negotiated protocol and ALPN, trusting only ca.pem. */
function handshake(port: number, ca: Buffer): Promise<{ fingerprint256: string; protocol: string | null; alpn: string | false | null }> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      const r = { fingerprint256: socket.getPeerCertificate().fingerprint256, protocol: socket.getProtocol(), alpn: socket.alpnProtocol };
      socket.end();
      done(r);
    });
    socket.on('error', fail);
  });
}

const logOf = (dir: string) => (existsSync(join(dir, 'gateway.log')) ? readFileSync(join(dir, 'gateway.log'), 'utf8') : '');

const curlHttps = (state: E2eState, path: string, extra: string[] = []) =>
  run('curl', [
    '-sS',
    '--cacert',
    files(state).ca,
    '-o',
    '-',
    '-w',
    '\n%{http_code} %{http_version}',
    ...extra,
    `https://localhost:${state.tls.port}${path}`,
  ]);

/** A gateway replica with its own ports; stopped with SIGTERM by stop(). */
async function replica(env: Record<string, string>, logDir: string): Promise<{ port: number; tlsPort: number; stop: () => Promise<void> }> {
  const [port, tlsPort] = [await freePort(), await freePort()];
  const child: ServiceProcess = startService('gateway', {
    env: { ...env, CERTCTL_GATEWAY_TLS_PORT: String(tlsPort), CERTCTL_GATEWAY_METRICS_PORT: '0' },
    port,
    logDir,
  });
  await waitReady(`http://127.0.0.1:${port}/ready`, 30000, () => child.exitCode === null).catch(async (err: unknown) => {
    child.kill('SIGTERM');
    await child.exited;
    throw err;
  });
  return {
    port,
    tlsPort,
    stop: async () => {
      child.kill('SIGTERM');
      await child.exited;
    },
  };
}

describe('the gateway serves HTTPS with a certificate from the local CA', () => {
  it('ok/curl trusting only ca.pem reaches /api/v1 over HTTP/1.1, with the same auth and problems as HTTP', async () => {
    const state = readState();
    const auth = ['-H', `Authorization: Bearer ${state.adminKey}`];
    const listed = await curlHttps(state, '/api/v1/certificates?limit=1', auth);
    expect(listed.out.trim().split('\n').pop()).toBe('200 1.1');
    expect(JSON.parse(listed.out.slice(0, listed.out.lastIndexOf('\n')))).toHaveProperty('data');

    const anonymous = await curlHttps(state, '/api/v1/certificates');
    expect(anonymous.out.trim().split('\n').pop()).toBe('401 1.1');
    expect(JSON.parse(anonymous.out.slice(0, anonymous.out.lastIndexOf('\n')))).toMatchObject({ status: 401, code: 'unauthorized' });

    // Without the CA bundle the certificate is not trusted.
    const untrusted = await run('curl', ['-sS', '-o', '/dev/null', `https://localhost:${state.tls.port}/health`]);
    expect(untrusted.code).not.toBe(0);
  });

  it('ok/the stored certificate verifies against ca.pem, names localhost and the loopback addresses, P-256 key kept 0600', async () => {
    const state = readState();
    const f = files(state);
    expect((await run('openssl', ['verify', '-CAfile', f.ca, f.cert])).out).toContain(`${f.cert}: OK`);
    const text = (await run('openssl', ['x509', '-in', f.cert, '-noout', '-text'])).out;
    expect(text).toMatch(/DNS:localhost/);
    expect(text).toMatch(/IP Address:127\.0\.0\.1/);
    expect(text).toMatch(/IP Address:0:0:0:0:0:0:0:1/);
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).toContain('prime256v1');
    expect(statSync(f.key).mode & 0o777).toBe(0o600);
    expect(readFileSync(f.key, 'utf8')).toContain('BEGIN PRIVATE KEY');
  });

  it('ok/openssl s_client verifies the served chain (return code 0) and negotiates ALPN http/1.1 on TLS 1.2+', async () => {
    const state = readState();
    const args = ['s_client', '-connect', `127.0.0.1:${state.tls.port}`, '-servername', 'localhost', '-CAfile', files(state).ca];
    const ok = await run('openssl', [...args, '-alpn', 'http/1.1']);
    expect(ok.out).toContain('Verify return code: 0 (ok)');
    expect(ok.out).toContain('ALPN protocol: http/1.1');
    const tls12 = await run('openssl', [...args, '-tls1_2']);
    expect(tls12.out).toContain('Verify return code: 0 (ok)');
    // TLS 1.1 is refused by the server even when the client would allow it.
    const tls11 = await run('openssl', [...args, '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    expect(tls11.code).not.toBe(0);
    expect(tls11.out).toContain('alert protocol version');
    expect(tls11.out).toContain('no peer certificate available');
    const h = await handshake(state.tls.port, readFileSync(files(state).ca));
    expect(h.alpn).toBe('http/1.1');
    expect(['TLSv1.2', 'TLSv1.3']).toContain(h.protocol);
  });

  it('ok/forwarded requests carry X-Forwarded-Proto/Host/For set by the gateway, never the client’s', async () => {
    const state = readState();
    const seen: IncomingHttpHeaders[] = [];
    const echo = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const echoPort = await freePort();
    await new Promise<void>((r) => echo.listen(echoPort, '127.0.0.1', r));
    // A second gateway whose /.well-known/* goes to the echo server; it reuses the stored certificate.
    const gw = await replica({ ...state.env, CERTCTL_REVOCATION_URL: `http://127.0.0.1:${echoPort}` }, state.logDir);
    try {
      await waitHttpsReady(`https://localhost:${gw.tlsPort}/health`, files(state).ca, 30000);
      const ca = readFileSync(files(state).ca);
      expect((await handshake(gw.tlsPort, ca)).fingerprint256).toBe((await handshake(state.tls.port, ca)).fingerprint256);

      const spoofed = [
        '-H',
        'X-Forwarded-Proto: gopher',
        '-H',
        'X-Forwarded-Host: evil.example',
        '-H',
        'X-Forwarded-For: 203.0.113.9',
        '-H',
        'X-Forwarded-Port: 1',
        '-H',
        'Forwarded: for=203.0.113.9;proto=http',
      ];
      const overHttps = await run('curl', [
        '-sS',
        '--cacert',
        files(state).ca,
        ...spoofed,
        `https://localhost:${gw.tlsPort}/.well-known/echo`,
      ]);
      expect(overHttps.code).toBe(0);
      const overHttp = await run('curl', ['-sS', ...spoofed, `http://127.0.0.1:${gw.port}/.well-known/echo`]);
      expect(overHttp.code).toBe(0);
      expect(seen).toHaveLength(2);
      const [viaTls, viaPlain] = seen as [IncomingHttpHeaders, IncomingHttpHeaders];
      expect(viaTls).toMatchObject({ 'x-forwarded-proto': 'https', 'x-forwarded-host': `localhost:${gw.tlsPort}` });
      expect(viaPlain).toMatchObject({ 'x-forwarded-proto': 'http', 'x-forwarded-host': `127.0.0.1:${gw.port}` });
      for (const h of [viaTls, viaPlain]) {
        expect(h['x-forwarded-for']).toMatch(/^(127\.0\.0\.1|::ffff:127\.0\.0\.1)$/);
        expect(h['x-forwarded-port']).toBeUndefined();
        expect(h.forwarded).toBeUndefined();
      }
    } finally {
      await gw.stop();
      echo.close();
    }
  });

  it('ok/the certificate survives a gateway restart unchanged (the stored files are reused)', async () => {
    const state = readState();
    const f = files(state);
    const ca = readFileSync(f.ca);
    const before = { served: (await handshake(state.tls.port, ca)).fingerprint256, cert: readFileSync(f.cert, 'utf8') };

    process.kill(state.pids.gateway, 'SIGTERM');
    expect(await exitsWithin(state.pids.gateway, 15000)).toBe(true);
    const restarted = startService('gateway', { env: { ...state.env }, port: state.ports.gateway, logDir: state.logDir });
    restarted.unref();
    writeState({ ...state, pids: { ...state.pids, gateway: restarted.pid! } });
    await waitReady(`http://127.0.0.1:${state.ports.gateway}/ready`, 30000, () => restarted.exitCode === null);
    await waitHttpsReady(`https://localhost:${state.tls.port}/health`, f.ca, 30000);

    expect((await handshake(state.tls.port, ca)).fingerprint256).toBe(before.served);
    expect(readFileSync(f.cert, 'utf8')).toBe(before.cert);
    expect((await api('GET', '/api/v1/version')).status).toBe(200);
  });

  it('fail/with no certificate to be had the gateway serves HTTP, retries with backoff, and opens HTTPS once issuance can sign', async () => {
    const state = readState();
    const tag = Date.now().toString(36);
    const issuerId = `iss-tls-late-${tag}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'certctl-tls-'));
    // The issuer does not exist yet: issuance answers not_found, as it would while it is still starting.
    const gw = await replica({ ...state.env, CERTCTL_DATA_DIR: dataDir, CERTCTL_GATEWAY_TLS_ISSUER_ID: issuerId }, dataDir);
    try {
      expect((await fetch(`http://127.0.0.1:${gw.port}/api/v1/version`)).status).toBe(200);
      await waitFor(
        async () => (logOf(dataDir).match(/HTTPS not started yet/g)?.length ?? 0) >= 2 || undefined,
        20000,
        'two failed certificate attempts in the log',
      );
      await expect(handshake(gw.tlsPort, Buffer.from(''))).rejects.toThrow(/ECONNREFUSED/);

      const created = await api('POST', '/api/v1/issuers', { body: { id: issuerId, name: `TLS late ${tag}`, type: 'local' } });
      expect(created.status).toBe(201);
      const caFile = join(dataDir, 'tls', 'ca.pem');
      await waitHttpsReady(`https://localhost:${gw.tlsPort}/health`, caFile, 40000);
      expect(readFileSync(caFile, 'utf8').trim()).toBe(String(created.body.ca_certificate_pem).trim());
      const log = logOf(dataDir);
      expect(log).toMatch(/"retry_in_ms":1000/);
      expect(log).toContain('HTTPS certificate issued by the local CA and stored');
    } finally {
      await gw.stop();
    }
  });

  it('ok/an operator-supplied certificate and key are served instead; fail/a key that does not match stops the start, named', async () => {
    const state = readState();
    const dir = mkdtempSync(join(tmpdir(), 'certctl-own-tls-'));
    const make = (name: string) =>
      run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, `${name}.key`),
        '-out',
        join(dir, `${name}.crt`),
      ]);
    expect((await make('own')).code).toBe(0);
    expect((await make('other')).code).toBe(0);

    const own = { CERTCTL_GATEWAY_TLS_CERT_FILE: join(dir, 'own.crt'), CERTCTL_GATEWAY_TLS_KEY_FILE: join(dir, 'own.key') };
    const gw = await replica({ ...state.env, ...own, CERTCTL_DATA_DIR: dir }, dir);
    try {
      await waitHttpsReady(`https://localhost:${gw.tlsPort}/health`, own.CERTCTL_GATEWAY_TLS_CERT_FILE, 30000);
      const r = await run('curl', [
        '-sS',
        '--cacert',
        own.CERTCTL_GATEWAY_TLS_CERT_FILE,
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `https://localhost:${gw.tlsPort}/api/v1/version`,
      ]);
      expect(r.out).toBe('200');
      expect(existsSync(join(dir, 'tls'))).toBe(false); // nothing asked of the local CA
    } finally {
      await gw.stop();
    }

    const mismatched = { CERTCTL_GATEWAY_TLS_CERT_FILE: join(dir, 'own.crt'), CERTCTL_GATEWAY_TLS_KEY_FILE: join(dir, 'other.key') };
    const logDir = join(dir, 'bad');
    const bad = startService('gateway', {
      env: { ...state.env, ...mismatched, CERTCTL_GATEWAY_TLS_PORT: String(await freePort()) },
      port: await freePort(),
      logDir,
    });
    expect((await bad.exited).code).toBe(1);
    expect(logOf(logDir)).toContain(`${join(dir, 'other.key')} is not the key of the certificate in ${join(dir, 'own.crt')}`);
  });
});
