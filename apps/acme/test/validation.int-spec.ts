// The challenge validators against real local servers: the challenge test server's DNS,
// http-01 and tls-alpn-01 responders, and hand-made misbehaving HTTP and TLS servers.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { registry } from '@certctl/observability';
import { acmeTlsAlpnCertificate, startChallengeTestServer, type AcmeTlsCertOptions, type ChallengeTestServer } from '@certctl/testing';
import { refusedAddress } from '@certctl/platform';
import { validateHttp01 } from '../src/validation/http01';
import { dns01TxtValue } from '../src/validation/key-authorization';
import { validationContext } from '../src/validation/resolve';
import {
  ChallengeValidator,
  type ChallengeType,
  type ValidationRequest,
  type ValidationResult,
  type ValidatorOptions,
} from '../src/validation';

const KA = (token: string) => `${token}.Wv4QJ1f3b6kTFaFDFtHrxOGUEMcQ9x_uF1bAbQvPdMU`;
const listen = async (server: net.Server): Promise<number> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
};
const problemOf = (r: ValidationResult) => (r.ok ? null : r.problem);
const challenge = (
  type: ChallengeType,
  value: string,
  keyAuthorization: string,
  idType: 'dns' | 'ip' = 'dns',
  token = 't',
): ValidationRequest => ({
  type,
  identifier: { type: idType, value },
  token,
  keyAuthorization,
});

describe('ACME challenge validation against real servers', () => {
  let srv: ChallengeTestServer;
  let opts: ValidatorOptions;
  const extra: net.Server[] = [];
  const validator = (o: Partial<ValidatorOptions> = {}) => new ChallengeValidator({ ...opts, ...o });
  const http01 = (host: string, token: string, type: 'dns' | 'ip' = 'dns') => challenge('http-01', host, KA(token), type, token);
  const challengeUrl = (host: string, token: string) => `http://${host}:${srv.http01Port}/.well-known/acme-challenge/${token}`;

  beforeAll(async () => {
    srv = await startChallengeTestServer({ http01Port: 0, tlsAlpn01Port: 0 });
    opts = {
      http01Port: srv.http01Port!,
      tlsAlpn01Port: srv.tlsAlpn01Port!,
      dnsServer: srv.dnsServer,
      allowPrivateAddresses: true,
      timeoutMs: 8000,
      maxRedirects: 10,
      maxBodyBytes: 64 * 1024,
    };
  });
  afterAll(async () => {
    for (const s of extra) {
      (s as http.Server).closeAllConnections?.();
      s.close();
    }
    await srv.stop();
  });

  describe('http-01', () => {
    it('ok/the key authorization (trailing newline ignored) from the name, resolved through the configured DNS server', async () => {
      srv.addHttp01('good1', `${KA('good1')}\r\n`);
      const r = await validator().validate(http01('web.example.com', 'good1'));
      expect(r).toEqual({
        ok: true,
        validationRecord: [
          {
            url: challengeUrl('web.example.com', 'good1'),
            hostname: 'web.example.com',
            port: String(srv.http01Port),
            addressesResolved: ['127.0.0.1'],
            addressUsed: '127.0.0.1',
          },
        ],
      });
    });

    it('ok/an IP identifier is fetched at the address itself', async () => {
      srv.addHttp01('ip1', KA('ip1'));
      const r = await validator().validate(http01('127.0.0.1', 'ip1', 'ip'));
      expect(r.ok).toBe(true);
      expect(r.validationRecord[0]).toMatchObject({ hostname: '127.0.0.1', addressesResolved: ['127.0.0.1'], addressUsed: '127.0.0.1' });
    });

    it('ok/IPv6 is tried first; when it refuses the connection, IPv4 is used', async () => {
      srv.addAAAA('dual.example.com', ['::1']);
      srv.addHttp01('dual1', KA('dual1'));
      const r = await validator().validate(http01('dual.example.com', 'dual1'));
      expect(r.ok).toBe(true);
      expect(r.validationRecord[0]).toMatchObject({ addressesResolved: ['::1', '127.0.0.1'], addressUsed: '127.0.0.1' });
    });

    it('refused/a wrong body is incorrectResponse showing what was received', async () => {
      srv.addHttp01('wrong1', 'not-the-key-authorization\n');
      const r = await validator().validate(http01('web.example.com', 'wrong1'));
      expect(problemOf(r)).toEqual({
        type: 'incorrectResponse',
        detail: `the key authorization from ${challengeUrl('web.example.com', 'wrong1')} does not match: got "not-the-key-authorization", expected "${KA('wrong1')}"`,
      });
    });

    it('refused/a 404 is unauthorized', async () => {
      const r = await validator().validate(http01('web.example.com', 'missing1'));
      expect(problemOf(r)).toEqual({
        type: 'unauthorized',
        detail: `invalid response from ${challengeUrl('web.example.com', 'missing1')}: HTTP 404, body "not found\\x0a"`,
      });
    });

    it('refused/a body over the limit is incorrectResponse, and only the limit is read', async () => {
      srv.addHttp01('big1', KA('big1') + ' '.repeat(70 * 1024));
      const r = await validator().validate(http01('web.example.com', 'big1'));
      expect(problemOf(r)).toEqual({
        type: 'incorrectResponse',
        detail: `the response from ${challengeUrl('web.example.com', 'big1')} is larger than 65536 bytes`,
      });
    });

    it('ok/a redirect to another name on the http-01 port is followed, with a record per hop', async () => {
      srv.addRedirect('/.well-known/acme-challenge/hop1', challengeUrl('target.example.com', 'hop2'));
      srv.addA('target.example.com', ['127.0.0.1']);
      srv.addHttp01('hop2', KA('hop1'));
      const r = await validator().validate(http01('web.example.com', 'hop1'));
      expect(r.ok).toBe(true);
      expect(r.validationRecord.map((x) => [x.url, x.hostname])).toEqual([
        [challengeUrl('web.example.com', 'hop1'), 'web.example.com'],
        [challengeUrl('target.example.com', 'hop2'), 'target.example.com'],
      ]);
    });

    it('ok/a redirect to https on the TLS port is followed without checking the certificate (RFC 8555 §10.2)', async () => {
      const cert = await acmeTlsAlpnCertificate({ host: 'secure.example.com', keyAuthorization: 'unused' });
      const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
        res.end(
          req.url === '/.well-known/acme-challenge/tls1' && req.headers.host === `secure.example.com:${port}` ? KA('https1') : 'wrong',
        );
      });
      extra.push(server);
      const port = await listen(server);
      srv.addRedirect('/.well-known/acme-challenge/https1', `https://secure.example.com:${port}/.well-known/acme-challenge/tls1`);
      const r = await validator({ tlsAlpn01Port: port }).validate(http01('web.example.com', 'https1'));
      expect(r.ok).toBe(true);
      expect(r.validationRecord[1]).toMatchObject({
        url: `https://secure.example.com:${port}/.well-known/acme-challenge/tls1`,
        port: String(port),
      });
    });

    it('refused/a redirect loop is a connection problem', async () => {
      srv.addRedirect('/.well-known/acme-challenge/loopA', challengeUrl('web.example.com', 'loopB'));
      srv.addRedirect('/.well-known/acme-challenge/loopB', `/.well-known/acme-challenge/loopA`);
      const r = await validator().validate(http01('web.example.com', 'loopA'));
      expect(problemOf(r)).toEqual({
        type: 'connection',
        detail: `redirect loop: ${challengeUrl('web.example.com', 'loopB')} → ${challengeUrl('web.example.com', 'loopA')}`,
      });
      expect(r.validationRecord).toHaveLength(2);
    });

    it('refused/more redirects than allowed', async () => {
      for (let i = 0; i < 4; i++) srv.addRedirect(`/.well-known/acme-challenge/chain${i}`, `/.well-known/acme-challenge/chain${i + 1}`);
      srv.addHttp01('chain4', KA('chain0'));
      expect((await validator({ maxRedirects: 4 }).validate(http01('web.example.com', 'chain0'))).ok).toBe(true);
      const r = await validator({ maxRedirects: 3 }).validate(http01('web.example.com', 'chain0'));
      expect(problemOf(r)).toEqual({ type: 'connection', detail: 'too many redirects (more than 3)' });
    });

    it('refused/a redirect to another port or scheme is not followed', async () => {
      srv.addRedirect('/.well-known/acme-challenge/port1', 'http://web.example.com:1/x');
      srv.addRedirect('/.well-known/acme-challenge/ftp1', 'ftp://web.example.com/x');
      expect(problemOf(await validator().validate(http01('web.example.com', 'port1')))).toEqual({
        type: 'connection',
        detail: `redirect to http://web.example.com:1/x refused: only ports ${srv.http01Port} for http, ${srv.tlsAlpn01Port} for https are followed`,
      });
      expect(problemOf(await validator().validate(http01('web.example.com', 'ftp1')))?.detail).toBe(
        'redirect to ftp://web.example.com/x refused: only http and https are followed',
      );
    });

    it('refused/a redirect to an address never allowed (unspecified) is refused even with private addresses allowed, name re-resolved', async () => {
      srv.addA('zero.example.com', ['0.0.0.0']);
      srv.addRedirect('/.well-known/acme-challenge/zero1', challengeUrl('zero.example.com', 'zero1'));
      const r = await validator().validate(http01('web.example.com', 'zero1'));
      expect(problemOf(r)).toEqual({
        type: 'connection',
        detail: `redirect to ${challengeUrl('zero.example.com', 'zero1')} refused: zero.example.com: no address this server may connect to (0.0.0.0 is a unspecified ("this network", RFC 1122) address)`,
      });
      expect(r.validationRecord[1]).toEqual({
        url: challengeUrl('zero.example.com', 'zero1'),
        hostname: 'zero.example.com',
        port: String(srv.http01Port),
      });
    });

    it('refused/with private addresses disallowed, a redirect to a private address is refused (127.0.0.1 standing for a public address)', async () => {
      srv.addA('internal.example.com', ['10.1.2.3']);
      srv.addRedirect('/.well-known/acme-challenge/ssrf1', 'http://internal.example.com/latest/meta-data');
      srv.addRedirect('/.well-known/acme-challenge/ssrf2', 'http://169.254.169.254/latest/meta-data');
      const production = { ...opts, allowPrivateAddresses: false };
      const policy = (a: string) => (a === '127.0.0.1' ? null : refusedAddress(a, false));
      const run = (token: string) =>
        validateHttp01(validationContext(production, new AbortController().signal, policy), http01('web.example.com', token));
      expect(problemOf(await run('ssrf1'))).toEqual({
        type: 'connection',
        detail:
          'redirect to http://internal.example.com/latest/meta-data refused: internal.example.com: no address this server may connect to (10.1.2.3 is a private (RFC 1918) address)',
      });
      expect(problemOf(await run('ssrf2'))?.detail).toBe(
        'redirect to http://169.254.169.254/latest/meta-data refused: 169.254.169.254: no address this server may connect to (169.254.169.254 is a link-local address)',
      );
    });

    it('refused/in production mode the identifier itself on a private address is rejectedIdentifier, before any connection', async () => {
      const r = await validator({ allowPrivateAddresses: false }).validate(http01('web.example.com', 'good1'));
      expect(problemOf(r)).toEqual({
        type: 'rejectedIdentifier',
        detail: 'web.example.com: no address this server may connect to (127.0.0.1 is a loopback address)',
      });
      expect(r.validationRecord[0]).not.toHaveProperty('addressUsed');
      const ip = await validator({ allowPrivateAddresses: false }).validate(http01('192.168.1.1', 'x', 'ip'));
      expect(problemOf(ip)?.type).toBe('rejectedIdentifier');
    });

    it('refused/a server that never answers times out within the deadline', async () => {
      const sockets: net.Socket[] = [];
      const slow = net.createServer((s) => void sockets.push(s));
      extra.push(slow);
      const port = await listen(slow);
      const t0 = Date.now();
      const r = await validator({ http01Port: port, timeoutMs: 1000 }).validate(http01('web.example.com', 'slow1'));
      const elapsed = Date.now() - t0;
      for (const s of sockets) s.destroy();
      expect(problemOf(r)).toEqual({ type: 'connection', detail: 'http-01 validation of web.example.com timed out after 1000 ms' });
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(5000);
    });

    it('refused/NXDOMAIN, a refused connection, a wildcard and a bad token', async () => {
      srv.addNxdomain('gone.example.com');
      expect(problemOf(await validator().validate(http01('gone.example.com', 't')))).toEqual({
        type: 'dns',
        detail: 'DNS problem: NXDOMAIN looking up A/AAAA for gone.example.com',
      });
      const closed = net.createServer();
      const port = await listen(closed);
      await new Promise<void>((r) => closed.close(() => r()));
      const refused = problemOf(await validator({ http01Port: port }).validate(http01('web.example.com', 't')));
      expect(refused?.type).toBe('connection');
      expect(refused?.detail).toContain('ECONNREFUSED');
      expect(problemOf(await validator().validate(http01('*.example.com', 't')))?.type).toBe('malformed');
      expect(problemOf(await validator().validate(http01('exa mple.com', 't')))).toEqual({
        type: 'malformed',
        detail: '"exa mple.com" is not a host name or IP address',
      });
      expect(problemOf(await validator().validate(http01('web.example.com', '../x')))).toEqual({
        type: 'malformed',
        detail: 'the challenge token is not base64url',
      });
    });
  });

  describe('dns-01', () => {
    const dns01 = (value: string, ka: string, type: 'dns' | 'ip' = 'dns') => challenge('dns-01', value, ka, type);

    it('ok/a matching TXT among others, for a name and for its wildcard', async () => {
      srv.setTxt('_acme-challenge.d.example.com', 'unrelated');
      srv.setTxt('_acme-challenge.d.example.com', dns01TxtValue(KA('d1')));
      expect(await validator().validate(dns01('d.example.com', KA('d1')))).toEqual({
        ok: true,
        validationRecord: [{ hostname: '_acme-challenge.d.example.com' }],
      });
      expect((await validator().validate(dns01('*.d.example.com', KA('d1')))).ok).toBe(true);
    });

    it('refused/TXT mismatch is incorrectResponse naming what was found', async () => {
      srv.setTxt('_acme-challenge.m.example.com', 'wrong-value');
      expect(problemOf(await validator().validate(dns01('m.example.com', KA('m1'))))).toEqual({
        type: 'incorrectResponse',
        detail: 'incorrect TXT record "wrong-value" found at _acme-challenge.m.example.com',
      });
      srv.setTxt('_acme-challenge.m.example.com', 'other-value');
      expect(problemOf(await validator().validate(dns01('m.example.com', KA('m1'))))?.detail).toBe(
        '2 TXT records found at _acme-challenge.m.example.com, none matches ("wrong-value", "other-value")',
      );
    });

    it('refused/NXDOMAIN, no TXT records and SERVFAIL are dns problems', async () => {
      srv.addNxdomain('_acme-challenge.nx.example.com');
      expect(problemOf(await validator().validate(dns01('nx.example.com', KA('n'))))).toEqual({
        type: 'dns',
        detail: 'DNS problem: NXDOMAIN looking up TXT for _acme-challenge.nx.example.com',
      });
      expect(problemOf(await validator().validate(dns01('empty.example.com', KA('n'))))).toEqual({
        type: 'dns',
        detail: 'DNS problem: no records looking up TXT for _acme-challenge.empty.example.com',
      });
      srv.addServfailure('_acme-challenge.sf.example.com');
      expect(problemOf(await validator().validate(dns01('sf.example.com', KA('n'))))?.detail).toBe(
        'DNS problem: SERVFAIL looking up TXT for _acme-challenge.sf.example.com',
      );
    });

    it('refused/an IP identifier cannot use dns-01', async () => {
      expect(problemOf(await validator().validate(dns01('127.0.0.1', KA('n'), 'ip')))).toEqual({
        type: 'malformed',
        detail: 'dns-01 cannot validate an IP identifier (RFC 8738 §7)',
      });
    });
  });

  describe('tls-alpn-01', () => {
    const alpn = (value: string, ka: string, type: 'dns' | 'ip' = 'dns') => challenge('tls-alpn-01', value, ka, type);
    /** A TLS server presenting this certificate, negotiating acme-tls/1 unless told otherwise. */
    const serve = async (o: AcmeTlsCertOptions, alpnProtocols: string[] | null = ['acme-tls/1']) => {
      const cert = await acmeTlsAlpnCertificate(o);
      const server = tls.createServer(
        { cert: cert.certPem, key: cert.keyPem, ...(alpnProtocols ? { ALPNProtocols: alpnProtocols } : {}) },
        (s) => s.end(),
      );
      server.on('tlsClientError', () => undefined);
      extra.push(server);
      const port = await listen(server);
      return Object.assign(validator({ tlsAlpn01Port: port }), { port });
    };

    it('ok/the acme-tls/1 certificate of the challenge test server, for a name and for an IP', async () => {
      await srv.addTlsAlpn01('t.example.com', KA('t1'));
      expect(await validator().validate(alpn('t.example.com', KA('t1')))).toEqual({
        ok: true,
        validationRecord: [
          { hostname: 't.example.com', port: String(srv.tlsAlpn01Port), addressesResolved: ['127.0.0.1'], addressUsed: '127.0.0.1' },
        ],
      });
      await srv.addTlsAlpn01('127.0.0.1', KA('t2'));
      expect((await validator().validate(alpn('127.0.0.1', KA('t2'), 'ip'))).ok).toBe(true);
    });

    it('refused/no certificate for the SNI name: the handshake fails, a tls problem', async () => {
      const p = problemOf(await validator().validate(alpn('unknown.example.com', KA('t3'))));
      expect(p?.type).toBe('tls');
      expect(p?.detail).toContain('SNI unknown.example.com');
    });

    it('refused/a server that does not negotiate acme-tls/1', async () => {
      const v = await serve({ host: 'a.example.com', keyAuthorization: KA('a') }, null);
      expect(problemOf(await v.validate(alpn('a.example.com', KA('a'))))).toEqual({
        type: 'tls',
        detail: `127.0.0.1:${v.port} negotiated no protocol instead of acme-tls/1`,
      });
      const h2 = await serve({ host: 'a.example.com', keyAuthorization: KA('a') }, ['h2']);
      expect(problemOf(await h2.validate(alpn('a.example.com', KA('a'))))?.type).toBe('tls');
    });

    it('refused/missing or non-critical acmeIdentifier is unauthorized; a wrong digest is incorrectResponse', async () => {
      const missing = await serve({ host: 'a.example.com', keyAuthorization: KA('a'), omitAcmeIdentifier: true });
      expect(problemOf(await missing.validate(alpn('a.example.com', KA('a'))))).toEqual({
        type: 'unauthorized',
        detail: 'the certificate has no acmeIdentifier extension (1.3.6.1.5.5.7.1.31)',
      });
      const lax = await serve({ host: 'a.example.com', keyAuthorization: KA('a'), critical: false });
      expect(problemOf(await lax.validate(alpn('a.example.com', KA('a'))))).toEqual({
        type: 'unauthorized',
        detail: 'the acmeIdentifier extension is not marked critical',
      });
      const wrong = await serve({ host: 'a.example.com', keyAuthorization: KA('other') });
      const p = problemOf(await wrong.validate(alpn('a.example.com', KA('a'))));
      expect(p?.type).toBe('incorrectResponse');
      expect(p?.detail).toMatch(/^the acmeIdentifier extension holds [0-9a-f]{64}, not SHA-256 of the key authorization$/);
      const twoNames = await serve({ host: 'a.example.com', keyAuthorization: KA('a'), extraSans: ['b.example.com'] });
      expect(problemOf(await twoNames.validate(alpn('a.example.com', KA('a'))))?.type).toBe('unauthorized');
    });

    it('refused/nothing listening is a connection problem; a wildcard is malformed', async () => {
      const closed = net.createServer();
      const port = await listen(closed);
      await new Promise<void>((r) => closed.close(() => r()));
      expect(problemOf(await validator({ tlsAlpn01Port: port }).validate(alpn('t.example.com', KA('t1'))))?.type).toBe('connection');
      expect(problemOf(await validator().validate(alpn('*.example.com', KA('t1'))))?.type).toBe('malformed');
    });
  });

  it('ok/never throws on nonsense and counts validations by type and result', async () => {
    const bogus = await validator().validate({ type: 'http-02' } as unknown as ValidationRequest);
    expect(problemOf(bogus)).toEqual({ type: 'malformed', detail: 'unsupported challenge type "http-02"' });
    expect(problemOf(await validator().validate(challenge('tls-alpn-01', 'example.com', 'k', 'ip')))).toEqual({
      type: 'malformed',
      detail: '"example.com" is not an IP address',
    });
    expect(problemOf(await validator().validate(challenge('http-01', '127.0.0.1', 'k', 'dns')))).toEqual({
      type: 'malformed',
      detail: '"127.0.0.1" is an IP address: use an ip identifier (RFC 8738)',
    });
    const text = await registry.getSingleMetricAsString('certctl_acme_validations_total');
    expect(text).toMatch(/certctl_acme_validations_total\{type="http-01",result="valid"\} [1-9]/);
    expect(text).toMatch(/certctl_acme_validations_total\{type="dns-01",result="incorrectResponse"\} [1-9]/);
    expect(text).toMatch(/certctl_acme_validations_total\{type="tls-alpn-01",result="unauthorized"\} [1-9]/);
    expect(await registry.getSingleMetricAsString('certctl_acme_validation_duration_seconds')).toMatch(
      /certctl_acme_validation_duration_seconds_count\{type="dns-01"\} [1-9]/,
    );
  });
});
