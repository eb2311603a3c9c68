import { execFileSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { startChallengeTestServer, type ChallengeTestServer } from '../src/challenge-test-server';
import { spawnChallengeTestServer } from '../src/challenge-test-server-process';
import { ROOT } from '../src/paths';

describe('challenge test server', () => {
  let srv: ChallengeTestServer;
  let resolver: Resolver;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${srv.managementPort}${path}`, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    srv = await startChallengeTestServer({ http01Port: 0, tlsAlpn01Port: 0 });
    resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([srv.dnsServer]);
  });
  afterAll(() => srv.stop());

  it('ok/reports the free ports it took for port 0', () => {
    for (const p of [srv.dnsPort, srv.managementPort, srv.http01Port, srv.tlsAlpn01Port]) expect(p).toBeGreaterThan(0);
    expect(srv.dnsServer).toBe(`127.0.0.1:${srv.dnsPort}`);
  });

  it('ok/answers the default IPv4 for any name, per-name A and AAAA when set, and follows set-default-ipv4', async () => {
    expect(await resolver.resolve4('anything.example.com')).toEqual(['127.0.0.1']);
    await expect(resolver.resolve6('anything.example.com')).rejects.toMatchObject({ code: 'ENODATA' });
    expect(await post('/add-a', { host: 'Web.Example.com.', addresses: ['192.0.2.1', '192.0.2.2'] })).toEqual({ status: 200, text: '' });
    expect(await post('/add-aaaa', { host: 'web.example.com', addresses: ['2001:db8::1'] })).toEqual({ status: 200, text: '' });
    expect(await resolver.resolve4('web.example.com')).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(await resolver.resolve6('WEB.example.com')).toEqual(['2001:db8::1']);
    await post('/clear-a', { host: 'web.example.com' });
    expect(await resolver.resolve4('web.example.com')).toEqual(['127.0.0.1']);
    await post('/set-default-ipv4', { ip: '127.0.0.2' });
    expect(await resolver.resolve4('other.example.com')).toEqual(['127.0.0.2']);
    await post('/set-default-ipv4', { ip: '127.0.0.1' });
  });

  it('ok/TXT records are added and cleared; a long one is split in 255-byte strings and sent over TCP', async () => {
    const host = '_acme-challenge.txt.example.com';
    await expect(resolver.resolveTxt(host)).rejects.toMatchObject({ code: 'ENODATA' });
    await post('/set-txt', { host: `${host}.`, value: 'first' });
    await post('/set-txt', { host, value: 'second' });
    expect((await resolver.resolveTxt(host)).map((c) => c.join('')).sort()).toEqual(['first', 'second']);
    await post('/clear-txt', { host });
    const long = 'x'.repeat(300);
    srv.setTxt(host, long);
    srv.setTxt(host, 'y'.repeat(300));
    const records = await resolver.resolveTxt(host);
    expect(records.map((c) => c.map((s) => s.length))).toEqual([
      [255, 45],
      [255, 45],
    ]);
    srv.clearTxt(host);
  });

  it('ok/NXDOMAIN for names set so or with no records at all, SERVFAIL on demand', async () => {
    await post('/add-nxdomain', { host: 'gone.example.com' });
    await expect(resolver.resolve4('gone.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await post('/clear-nxdomain', { host: 'gone.example.com' });
    expect(await resolver.resolve4('gone.example.com')).toEqual(['127.0.0.1']);
    await post('/add-servfailure', { host: 'broken.example.com' });
    await expect(resolver.resolve4('broken.example.com')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    await post('/clear-servfailure', { host: 'broken.example.com' });
    await post('/set-default-ipv4', { ip: '' });
    await expect(resolver.resolve4('nothing.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await post('/set-default-ipv4', { ip: '127.0.0.1' });
  });

  it('refused/bad management requests are 400 with the reason, unknown paths 404, GET 405', async () => {
    expect(await post('/add-a', { host: 'a.example.com', addresses: ['not-an-ip'] })).toEqual({
      status: 400,
      text: 'addresses must be an array of IPv4 addresses\n',
    });
    expect(await post('/set-txt', '{')).toEqual({ status: 400, text: 'body must be JSON\n' });
    expect(await post('/set-txt', { value: 'v' })).toEqual({ status: 400, text: '"host" must be a non-empty string\n' });
    expect(await post('/set-default-ipv6', { ip: '1.2.3.4' })).toEqual({ status: 400, text: '"1.2.3.4" is not an IPv6 address\n' });
    expect((await post('/nope', {})).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${srv.managementPort}/set-txt`)).status).toBe(405);
  });

  it('ok/serves http-01 answers and redirects', async () => {
    const base = `http://127.0.0.1:${srv.http01Port}/.well-known/acme-challenge`;
    await post('/add-http01', { token: 'tok1', content: 'tok1.thumb' });
    let res = await fetch(`${base}/tok1`);
    expect([res.status, await res.text()]).toEqual([200, 'tok1.thumb']);
    await post('/del-http01', { token: 'tok1' });
    expect((await fetch(`${base}/tok1`)).status).toBe(404);
    await post('/add-redirect', { path: '/.well-known/acme-challenge/moved', targetURL: 'http://example.com/x' });
    res = await fetch(`${base}/moved`, { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([302, 'http://example.com/x']);
    await post('/del-redirect', { path: '/.well-known/acme-challenge/moved' });
  });

  it('ok/serves the acme-tls/1 certificate of the key authorization for a name and for an IP (reverse-name SNI)', async () => {
    const handshake = (servername: string) =>
      new Promise<{ alpn: string | false; cert: x509.X509Certificate }>((resolve, reject) => {
        const s = tls.connect({
          host: '127.0.0.1',
          port: srv.tlsAlpn01Port!,
          servername,
          ALPNProtocols: ['acme-tls/1'],
          rejectUnauthorized: false,
        });
        s.once('secureConnect', () => {
          resolve({ alpn: s.alpnProtocol ?? false, cert: new x509.X509Certificate(s.getPeerCertificate().raw) });
          s.destroy();
        });
        s.once('error', reject);
      });
    expect((await post('/add-tlsalpn01', { host: 'tls.example.com', content: 'tok.thumb' })).status).toBe(200);
    const { alpn, cert } = await handshake('tls.example.com');
    expect(alpn).toBe('acme-tls/1');
    const ext = cert.extensions.find((e) => e.type === '1.3.6.1.5.5.7.1.31')!;
    expect(ext.critical).toBe(true);
    expect(Buffer.from(ext.value).toString('hex')).toBe(
      '0420' + (await import('node:crypto')).createHash('sha256').update('tok.thumb').digest('hex'),
    );
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => [n.type, n.value])).toEqual([
      ['dns', 'tls.example.com'],
    ]);
    await srv.addTlsAlpn01('127.0.0.1', 'ip.thumb');
    const byIp = await handshake('1.0.0.127.in-addr.arpa');
    expect(byIp.cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => [n.type, n.value])).toEqual([
      ['ip', '127.0.0.1'],
    ]);
    await post('/del-tlsalpn01', { host: 'tls.example.com' });
    await expect(handshake('tls.example.com')).rejects.toThrow();
  });
});

describe('challenge test server as a standalone process', () => {
  const bundle = join(ROOT, 'dist', 'tools', 'challenge-test-server.js');
  beforeAll(() => {
    if (!existsSync(bundle)) execFileSync(process.execPath, [join(ROOT, 'tools', 'build', 'build.mjs'), 'tools/challenge-test-server']);
  });

  it('ok/prints its ports as JSON, answers DNS and management requests, exits on SIGTERM', async () => {
    const child = await spawnChallengeTestServer({ dnsPort: 0, managementPort: 0, http01Port: 0, defaultIPv4: '127.0.0.9' });
    try {
      expect(child.pid).toBeGreaterThan(0);
      expect(child.http01Port).toBeGreaterThan(0);
      expect(child.tlsAlpn01Port).toBeUndefined();
      const resolver = new Resolver({ timeout: 2000, tries: 2 });
      resolver.setServers([child.dnsServer]);
      expect(await resolver.resolve4('x.example.com')).toEqual(['127.0.0.9']);
      const res = await fetch(`http://127.0.0.1:${child.managementPort}/set-txt`, {
        method: 'POST',
        body: JSON.stringify({ host: '_acme-challenge.x.example.com', value: 'v1' }),
      });
      expect(res.status).toBe(200);
      expect(await resolver.resolveTxt('_acme-challenge.x.example.com')).toEqual([['v1']]);
    } finally {
      await child.stop();
    }
    expect(() => process.kill(child.pid, 0)).toThrow();
  });

  it('refused/an unknown option exits 2 with the list of options', () => {
    expect(() => execFileSync(process.execPath, [bundle, '--dns', '53'], { stdio: 'pipe' })).toThrow(/unknown or incomplete option --dns/);
  });
});
