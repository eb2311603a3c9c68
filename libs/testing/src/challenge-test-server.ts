// A challenge test server for ACME tests, like Pebble's challtestsrv: a DNS server (UDP and
// TCP) answering A, AAAA and TXT from a mutable record map, an http-01 responder, a
// tls-alpn-01 responder, and an HTTP management API (Pebble-compatible paths) to change them.
// Runs in-process (startChallengeTestServer) or as `node dist/tools/challenge-test-server.js`.
import dgram from 'node:dgram';
import http from 'node:http';
import net, { isIP, isIPv4 } from 'node:net';
import tls from 'node:tls';
import { acmeTlsAlpnCertificate } from './acme-tls-cert';
import { DNS_TYPE, DnsFormatError, RCODE, encodeResponse, parseQuery, truncated, txtData, type DnsAnswer, type DnsQuery } from './dns-wire';

export interface ChallengeTestServerOptions {
  /** UDP and TCP port of the DNS server; 0 (default) picks a free one. */
  dnsPort?: number;
  /** Port of the management API; 0 (default) picks a free one. */
  managementPort?: number;
  /** Port of the http-01 responder; omitted = none, 0 = a free one. */
  http01Port?: number;
  /** Port of the tls-alpn-01 responder; omitted = none, 0 = a free one. */
  tlsAlpn01Port?: number;
  /** Address every server listens on, default 127.0.0.1. */
  host?: string;
  /** A record of every name without its own (default 127.0.0.1; '' for none). */
  defaultIPv4?: string;
  /** AAAA record of every name without its own (default none). */
  defaultIPv6?: string;
  /** TTL of every answer, default 0 (nothing cached). */
  ttl?: number;
}

/** Where a running challenge test server listens. */
export interface ChallengeTestServerPorts {
  host: string;
  dnsPort: number;
  managementPort: number;
  http01Port?: number;
  tlsAlpn01Port?: number;
  /** "host:port" of the DNS server, as a validator's dnsServer option wants it. */
  dnsServer: string;
}

export interface ChallengeTestServer extends ChallengeTestServerPorts {
  setDefaultIPv4(ip: string): void;
  setDefaultIPv6(ip: string): void;
  addA(host: string, addresses: string[]): void;
  clearA(host: string): void;
  addAAAA(host: string, addresses: string[]): void;
  clearAAAA(host: string): void;
  /** Adds a TXT record (several may exist); clearTxt removes them all. */
  setTxt(host: string, value: string): void;
  clearTxt(host: string): void;
  /** The name answers NXDOMAIN (for every type) until cleared. */
  addNxdomain(host: string): void;
  clearNxdomain(host: string): void;
  /** The name answers SERVFAIL until cleared. */
  addServfailure(host: string): void;
  clearServfailure(host: string): void;
  addHttp01(token: string, content: string): void;
  delHttp01(token: string): void;
  /** Requests for this path are answered with a 302 to targetURL. */
  addRedirect(path: string, targetURL: string): void;
  delRedirect(path: string): void;
  /** Serves the acme-tls/1 certificate of this key authorization to SNI `host` (an IP: its reverse name). */
  addTlsAlpn01(host: string, keyAuthorization: string): Promise<void>;
  delTlsAlpn01(host: string): void;
  stop(): Promise<void>;
}

export class BadRequest extends Error {}

const norm = (host: string): string => {
  if (typeof host !== 'string' || !host.trim()) throw new BadRequest('host must be a non-empty string');
  return host.trim().toLowerCase().replace(/\.$/, '');
};

function checkIps(addresses: unknown, family: 4 | 6): string[] {
  if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== 'string' || isIP(a) !== family)) {
    throw new BadRequest(`addresses must be an array of IPv${family} addresses`);
  }
  return addresses as string[];
}

/** The 4 or 16 bytes of an address, for A and AAAA RDATA. */
function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = new URL(`http://[${ip}]/`).hostname.slice(1, -1).split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i));
  return out;
}

/** RFC 8738 §6: the SNI of an IP identifier is its reverse-mapping name. */
function sniName(host: string): string {
  if (isIPv4(host)) return `${host.split('.').reverse().join('.')}.in-addr.arpa`;
  if (isIP(host) === 6) {
    const hex = ipBytes(host).toString('hex');
    return `${hex.split('').reverse().join('.')}.ip6.arpa`;
  }
  return norm(host);
}

class Records {
  defaultIPv4: string;
  defaultIPv6: string;
  readonly a = new Map<string, string[]>();
  readonly aaaa = new Map<string, string[]>();
  readonly txt = new Map<string, string[]>();
  readonly nxdomain = new Set<string>();
  readonly servfail = new Set<string>();

  constructor(
    o: ChallengeTestServerOptions,
    readonly ttl: number,
  ) {
    this.defaultIPv4 = o.defaultIPv4 ?? '127.0.0.1';
    this.defaultIPv6 = o.defaultIPv6 ?? '';
  }

  answer(q: DnsQuery): { rcode: number; answers: DnsAnswer[] } {
    const question = q.question!;
    if (question.class !== 1 && question.class !== 255) return { rcode: RCODE.REFUSED, answers: [] };
    const name = question.name.toLowerCase().replace(/\.$/, '');
    if (this.servfail.has(name)) return { rcode: RCODE.SERVFAIL, answers: [] };
    if (this.nxdomain.has(name)) return { rcode: RCODE.NXDOMAIN, answers: [] };
    const a = this.a.get(name) ?? (this.defaultIPv4 ? [this.defaultIPv4] : []);
    const aaaa = this.aaaa.get(name) ?? (this.defaultIPv6 ? [this.defaultIPv6] : []);
    const txt = this.txt.get(name) ?? [];
    if (a.length + aaaa.length + txt.length === 0) return { rcode: RCODE.NXDOMAIN, answers: [] };
    const want = (t: number) => question.type === t || question.type === DNS_TYPE.ANY;
    const answers: DnsAnswer[] = [
      ...(want(DNS_TYPE.A) ? a.map((ip) => ({ type: DNS_TYPE.A, ttl: this.ttl, data: ipBytes(ip) })) : []),
      ...(want(DNS_TYPE.AAAA) ? aaaa.map((ip) => ({ type: DNS_TYPE.AAAA, ttl: this.ttl, data: ipBytes(ip) })) : []),
      ...(want(DNS_TYPE.TXT) ? txt.map((v) => ({ type: DNS_TYPE.TXT, ttl: this.ttl, data: txtData(v) })) : []),
    ];
    return { rcode: RCODE.NOERROR, answers };
  }

  /** The wire answer to one query message, or null when it cannot even be answered with an error. */
  respond(msg: Buffer): Buffer | null {
    let q: DnsQuery;
    try {
      q = parseQuery(msg);
    } catch (err) {
      if (!(err instanceof DnsFormatError) || msg.length < 12) return null;
      return encodeResponse(
        { id: msg.readUInt16BE(0), flags: msg.readUInt16BE(2), opcode: (msg[2]! >> 3) & 0xf, qdcount: 0 },
        RCODE.FORMERR,
      );
    }
    if (q.opcode !== 0) return encodeResponse(q, RCODE.NOTIMP);
    if (q.qdcount !== 1 || !q.question) return encodeResponse(q, RCODE.FORMERR);
    const { rcode, answers } = this.answer(q);
    return encodeResponse(q, rcode, answers);
  }
}

function listen(server: net.Server | http.Server | tls.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** UDP and TCP on one port; with port 0, retries until both get the same free port. */
async function startDns(records: Records, host: string, port: number): Promise<{ port: number; udp: dgram.Socket; tcp: net.Server }> {
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    const udpPort = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve(udp.address().port);
      });
    });
    udp.on('message', (msg, rinfo) => {
      let out = records.respond(msg);
      if (!out) return;
      // No EDNS: a UDP answer over 512 bytes is truncated, and the client asks again over TCP.
      if (out.length > 512) out = truncated(out, out.length > 12 ? parseQuery(msg).questionBytes!.length : 0);
      udp.send(out, rinfo.port, rinfo.address);
    });
    udp.on('error', () => undefined);
    const tcp = net.createServer((socket) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          const out = records.respond(msg);
          if (!out) {
            socket.destroy();
            return;
          }
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          socket.write(Buffer.concat([len, out]));
        }
      });
      socket.on('error', () => undefined);
    });
    try {
      await listen(tcp, udpPort, host);
      return { port: udpPort, udp, tcp };
    } catch (err) {
      udp.close();
      if (port !== 0 || attempt >= 20 || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
    }
  }
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1024 * 1024) throw new BadRequest('body larger than 1 MiB');
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new BadRequest('body must be JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('body must be a JSON object');
  return body as Record<string, unknown>;
}

function str(body: Record<string, unknown>, field: string, allowEmpty = false): string {
  const v = body[field];
  if (typeof v !== 'string' || (!allowEmpty && v === ''))
    throw new BadRequest(`"${field}" must be a ${allowEmpty ? '' : 'non-empty '}string`);
  return v;
}

export async function startChallengeTestServer(o: ChallengeTestServerOptions = {}): Promise<ChallengeTestServer> {
  const host = o.host ?? '127.0.0.1';
  const records = new Records(o, o.ttl ?? 0);
  const http01 = new Map<string, string>();
  const redirects = new Map<string, string>();
  const tlsContexts = new Map<string, tls.SecureContext>();
  const closers: (() => Promise<void>)[] = [];

  const ip = (v: string, family: 4 | 6) => {
    if (v !== '' && isIP(v) !== family) throw new BadRequest(`"${v}" is not an IPv${family} address`);
    return v;
  };
  const api: Omit<ChallengeTestServer, keyof ChallengeTestServerPorts | 'stop'> = {
    setDefaultIPv4: (v) => void (records.defaultIPv4 = ip(v, 4)),
    setDefaultIPv6: (v) => void (records.defaultIPv6 = ip(v, 6)),
    addA: (h, addrs) => void records.a.set(norm(h), [...(records.a.get(norm(h)) ?? []), ...checkIps(addrs, 4)]),
    clearA: (h) => void records.a.delete(norm(h)),
    addAAAA: (h, addrs) => void records.aaaa.set(norm(h), [...(records.aaaa.get(norm(h)) ?? []), ...checkIps(addrs, 6)]),
    clearAAAA: (h) => void records.aaaa.delete(norm(h)),
    setTxt: (h, value) => {
      const list = records.txt.get(norm(h)) ?? [];
      if (!list.includes(value)) list.push(value);
      records.txt.set(norm(h), list);
    },
    clearTxt: (h) => void records.txt.delete(norm(h)),
    addNxdomain: (h) => void records.nxdomain.add(norm(h)),
    clearNxdomain: (h) => void records.nxdomain.delete(norm(h)),
    addServfailure: (h) => void records.servfail.add(norm(h)),
    clearServfailure: (h) => void records.servfail.delete(norm(h)),
    addHttp01: (token, content) => void http01.set(token, content),
    delHttp01: (token) => void http01.delete(token),
    addRedirect: (path, target) => void redirects.set(path, target),
    delRedirect: (path) => void redirects.delete(path),
    addTlsAlpn01: async (h, keyAuthorization) => {
      const cert = await acmeTlsAlpnCertificate({ host: isIP(h) ? h : norm(h), keyAuthorization });
      tlsContexts.set(sniName(h), tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem }));
    },
    delTlsAlpn01: (h) => void tlsContexts.delete(sniName(h)),
  };

  const routes: Record<string, (b: Record<string, unknown>) => void | Promise<void>> = {
    '/set-default-ipv4': (b) => api.setDefaultIPv4(str(b, 'ip', true)),
    '/set-default-ipv6': (b) => api.setDefaultIPv6(str(b, 'ip', true)),
    '/add-a': (b) => api.addA(str(b, 'host'), b.addresses as string[]),
    '/clear-a': (b) => api.clearA(str(b, 'host')),
    '/add-aaaa': (b) => api.addAAAA(str(b, 'host'), b.addresses as string[]),
    '/clear-aaaa': (b) => api.clearAAAA(str(b, 'host')),
    '/set-txt': (b) => api.setTxt(str(b, 'host'), str(b, 'value', true)),
    '/clear-txt': (b) => api.clearTxt(str(b, 'host')),
    '/add-nxdomain': (b) => api.addNxdomain(str(b, 'host')),
    '/clear-nxdomain': (b) => api.clearNxdomain(str(b, 'host')),
    '/add-servfailure': (b) => api.addServfailure(str(b, 'host')),
    '/clear-servfailure': (b) => api.clearServfailure(str(b, 'host')),
    '/add-http01': (b) => api.addHttp01(str(b, 'token'), str(b, 'content', true)),
    '/del-http01': (b) => api.delHttp01(str(b, 'token')),
    '/add-redirect': (b) => api.addRedirect(str(b, 'path'), str(b, 'targetURL')),
    '/del-redirect': (b) => api.delRedirect(str(b, 'path')),
    '/add-tlsalpn01': (b) => api.addTlsAlpn01(str(b, 'host'), str(b, 'content')),
    '/del-tlsalpn01': (b) => api.delTlsAlpn01(str(b, 'host')),
  };

  try {
    const dns = await startDns(records, host, o.dnsPort ?? 0);
    closers.push(async () => {
      await new Promise<void>((r) => dns.udp.close(() => r()));
      await closeServer(dns.tcp);
    });

    const management = http.createServer((req, res) => {
      const reply = (status: number, body = '') => res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (!route) return reply(404, 'unknown path\n');
      if (req.method !== 'POST') return reply(405, 'use POST\n');
      readJson(req)
        .then((body) => route(body))
        .then(
          () => reply(200),
          (err: Error) => reply(err instanceof BadRequest ? 400 : 500, `${err.message}\n`),
        );
    });
    const managementPort = await listen(management, o.managementPort ?? 0, host);
    closers.push(async () => {
      management.closeAllConnections();
      await closeServer(management);
    });

    let http01Port: number | undefined;
    if (o.http01Port !== undefined) {
      const server = http.createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const target = redirects.get(path);
        if (target) return res.writeHead(302, { location: target }).end();
        const m = /^\/\.well-known\/acme-challenge\/([^/]+)$/.exec(path);
        const content = m ? http01.get(m[1]!) : undefined;
        if (content === undefined || req.method !== 'GET') return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        res.writeHead(200, { 'content-type': 'text/plain' }).end(content);
      });
      http01Port = await listen(server, o.http01Port, host);
      closers.push(async () => {
        server.closeAllConnections();
        await closeServer(server);
      });
    }

    let tlsAlpn01Port: number | undefined;
    if (o.tlsAlpn01Port !== undefined) {
      const sockets = new Set<net.Socket>();
      const server = tls.createServer(
        {
          ALPNProtocols: ['acme-tls/1'],
          SNICallback: (servername, cb) => {
            const ctx = tlsContexts.get(servername.toLowerCase());
            if (ctx) cb(null, ctx);
            else cb(new Error(`no tls-alpn-01 challenge for ${servername}`));
          },
        },
        (socket) => socket.end(),
      );
      server.on('connection', (s: net.Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.on('tlsClientError', () => undefined);
      tlsAlpn01Port = await listen(server, o.tlsAlpn01Port, host);
      closers.push(async () => {
        for (const s of sockets) s.destroy();
        await closeServer(server);
      });
    }

    const dnsServer = isIP(host) === 6 ? `[${host}]:${dns.port}` : `${host}:${dns.port}`;
    return {
      host,
      dnsPort: dns.port,
      managementPort,
      http01Port,
      tlsAlpn01Port,
      dnsServer,
      ...api,
      stop: async () => {
        await Promise.all(closers.map((c) => c()));
      },
    };
  } catch (err) {
    await Promise.all(closers.map((c) => c()));
    throw err;
  }
}
