import type { Server as NodeServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { Agent as HttpAgent, type IncomingHttpHeaders, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram } from 'prom-client';
import { AppError } from '@certctl/contracts';
import { SpanKind, getLogger, injectTraceHeaders, registry, withSpan } from '@certctl/observability';
import { CircuitBreaker, breakerFromEnv } from '@certctl/messaging';
import { callerTraceContext, sendProblem, toProblem } from '@certctl/platform';
import type { GatewayConfig } from '../config';
import type { PublicResponseCache } from './public-cache';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const upstreamSeconds = new Histogram({
  name: 'certctl_gateway_upstream_duration_seconds',
  help: 'Time for the owning service to answer a forwarded public request',
  labelNames: ['upstream', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

/** Where one public prefix goes: fixed by configuration, never by the request. */
export interface Upstream {
  name: string;
  /** The public path prefix the route serves, e.g. /acme or /.well-known. */
  prefix: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  agent: HttpAgent;
  /** Opens after consecutive upstream timeouts: requests then fail at once (docs/reliability.md). */
  circuit: CircuitBreaker;
  /**
   * The cache of public answers (public-cache.ts): `serve` answers GETs from it and stores the
   * owner's cacheable answers (revocation); otherwise a successful revocation forwarded through
   * this upstream (ACME revokeCert) empties it.
   */
  cache?: { store: PublicResponseCache; serve: boolean };
}

export function upstreamOf(name: string, prefix: string, base: string): Upstream {
  const u = new URL(base);
  const protocol = u.protocol === 'https:' ? 'https:' : 'http:';
  // As many idle sockets kept as may be open: with fewer, a burst of more concurrent clients
  // than that closes and reopens upstream connections on every round (connect churn).
  const o = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' as const };
  return {
    name,
    prefix,
    protocol,
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : protocol === 'https:' ? 443 : 80,
    agent: protocol === 'https:' ? new HttpsAgent(o) : new HttpAgent(o),
    circuit: new CircuitBreaker(name, breakerFromEnv(), { label: `http:${name}` }),
  };
}

/**
 * The path and query to send upstream, from the raw request target: origin-form only
 * (see targetProblem; the gateway's first hook already refused other forms),
 * no dot segment (even percent-encoded), backslash or NUL in any segment once decoded, and the
 * path still under the route's prefix. Anything else is a 400 before a byte goes upstream.
 */
export function upstreamPath(rawTarget: string, prefix: string): string {
  const problem = targetProblem(rawTarget);
  if (problem) throw new AppError('bad_request', problem);
  const q = rawTarget.indexOf('?');
  const path = q < 0 ? rawTarget : rawTarget.slice(0, q);
  if (path !== prefix && !path.startsWith(`${prefix}/`)) throw new AppError('bad_request', `The path must lie under ${prefix}/.`);
  return rawTarget;
}

/**
 * Why a raw request target is refused, or null. Only origin-form (`/path?query`) is served:
 * absolute-form (`http://host/…`), authority-form (`host:port`) and asterisk-form (`*`)
 * would let a client pick where a forwarded request goes. Dot segments, plain or hidden
 * behind percent-encoding (`%2e%2e`, `..%2f..`), and backslashes could climb out of a
 * public prefix once an upstream decodes them, so they are refused rather than resolved.
 * An encoded slash alone stays allowed: OCSP GET carries base64 with `%2F` in one segment.
 */
export function targetProblem(rawTarget: string): string | null {
  if (!rawTarget.startsWith('/') || rawTarget.startsWith('//')) {
    return 'Only origin-form request targets (a path starting with a single "/") are served; absolute and authority forms are refused.';
  }
  const q = rawTarget.indexOf('?');
  const path = q < 0 ? rawTarget : rawTarget.slice(0, q);
  if (path.includes('\\')) return 'The path must not contain a backslash.';
  for (const seg of path.split('/')) {
    if (!seg.includes('.') && !seg.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      return 'The path holds an invalid percent-encoding.';
    }
    if (decoded.includes('\u0000')) return 'The path must not contain NUL.';
    if (decoded.split(/[/\\]/).some((p) => p === '.' || p === '..')) return 'The path must not contain "." or ".." segments.';
  }
  return null;
}

/**
 * CONNECT (authority-form) never reaches Fastify: Node hands it to the server's 'connect'
 * event, which without a listener drops the socket. Answer it with a 400 problem instead.
 */
export function refuseConnectMethod(server: NodeServer): void {
  server.on('connect', (_req: unknown, socket: Duplex) => {
    const body = JSON.stringify({
      type: 'urn:certctl:error:bad_request',
      title: 'Bad request',
      status: 400,
      code: 'bad_request',
      detail: 'CONNECT is not served: the gateway is not a forward proxy.',
    });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}

/**
 * Public protocol surfaces are forwarded unchanged to the services that own them, so one
 * base URL serves everything: /acme/* → acme (authenticated by JWS, not API keys) and
 * /.well-known/* → revocation (CRL/OCSP, public by their RFCs). Bodies pass as bytes. The
 * upstream's scheme, host and port come from configuration only; the client chooses the
 * path, and only under the route's own prefix.
 */
export async function installPublicProxy(fastify: FastifyInstance, config: GatewayConfig, cache?: PublicResponseCache): Promise<void> {
  const acme = upstreamOf('acme', '/acme', config.CERTCTL_ACME_URL);
  const revocation = upstreamOf('revocation', '/.well-known', config.CERTCTL_REVOCATION_URL);
  if (cache?.enabled) {
    revocation.cache = { store: cache, serve: true };
    acme.cache = { store: cache, serve: false };
  }
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const forward = (up: Upstream) => (req: FastifyRequest, reply: FastifyReply) => proxy(up, req, reply, config);
    scope.route({ method: [...METHODS], url: '/acme', handler: forward(acme) });
    scope.route({ method: [...METHODS], url: '/acme/*', handler: forward(acme) });
    scope.route({ method: [...METHODS], url: '/.well-known/*', handler: forward(revocation) });
    // OCSP is the high-volume public route: no access-log line per request (its metrics still
    // count), as the revocation service itself does.
    scope.route({ method: [...METHODS], url: '/.well-known/pki/ocsp/*', config: { accessLog: false }, handler: forward(revocation) });
  });
}

class UpstreamTimeout extends Error {
  override name = 'TimeoutError';
}

/** One upstream round trip over node:http (lighter than fetch for small protocol messages). */
function forwardOnce(
  up: Upstream,
  path: string,
  method: string,
  headers: OutgoingHttpHeaders,
  body: Buffer | undefined,
  timeoutMs: number,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const send = up.protocol === 'https:' ? httpsRequest : httpRequest;
    const target = { protocol: up.protocol, hostname: up.hostname, port: up.port, path, method, headers, agent: up.agent };
    const r = send(target, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.setTimeout(timeoutMs, () => r.destroy(new UpstreamTimeout(`no answer within ${timeoutMs} ms`)));
    r.on('error', reject);
    r.end(body);
  });
}

/**
 * The request's headers for the owning service: hop-by-hop headers and every client-sent
 * X-Forwarded-* / Forwarded header dropped, then X-Forwarded-For (client address),
 * X-Forwarded-Proto (http or https: the listener the client used) and X-Forwarded-Host (the
 * Host the client sent, with its port) set by the gateway, so the owner can build the
 * absolute URLs the client used. Only with CERTCTL_TRUST_PROXY do these three come from a
 * fronting proxy's headers (Fastify's req.ip, req.protocol and req.host).
 */
export function forwardedHeaders(req: Pick<FastifyRequest, 'headers' | 'ip' | 'protocol' | 'host' | 'id'>): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k.startsWith('x-forwarded-') || k === 'forwarded') continue;
    headers[k] = v;
  }
  headers['x-forwarded-for'] = req.ip;
  headers['x-forwarded-proto'] = req.protocol;
  headers['x-forwarded-host'] = req.host;
  headers['x-request-id'] = String(req.id);
  return headers;
}

/** ACME revokeCert (RFC 8555 §7.6), under any directory prefix. */
const ACME_REVOKE = /\/revoke-cert(?:\?|$)/;

type UpstreamAnswer = { status: number; headers: IncomingHttpHeaders; body: Buffer };

/**
 * Requests the cache must pass on (RFC 9111 §4.3, §5.2.1.4): conditional and range requests
 * get the owner's own 304/206 logic, and a client may ask for a fresh answer.
 */
export function mustReachOwner(headers: IncomingHttpHeaders): boolean {
  if (headers['if-none-match'] || headers['if-modified-since'] || headers['if-match'] || headers['if-unmodified-since']) return true;
  if (headers.range || headers['if-range']) return true;
  return /no-cache|no-store|max-age=0/i.test(String(headers['cache-control'] ?? '')) || /no-cache/i.test(String(headers.pragma ?? ''));
}

function sendAnswer(reply: FastifyReply, res: UpstreamAnswer, ageSeconds?: number): void {
  const cached = ageSeconds !== undefined;
  for (const [key, value] of Object.entries(res.headers)) {
    // A reused answer keeps this request's own id (set by the gateway), not the one it was made for.
    if (value !== undefined && !HOP_BY_HOP.has(key) && !(cached && key === 'x-request-id')) void reply.header(key, value);
  }
  if (cached) void reply.header('age', String(ageSeconds));
  void reply.status(res.status).send(res.body);
}

async function proxy(up: Upstream, req: FastifyRequest, reply: FastifyReply, config: GatewayConfig): Promise<void> {
  let path: string;
  try {
    path = upstreamPath(req.raw.url ?? '', up.prefix);
  } catch (err) {
    sendProblem(reply, toProblem(err, req));
    return;
  }
  const cache = up.cache?.serve && req.method === 'GET' ? up.cache.store : undefined;
  const hit = cache && !mustReachOwner(req.headers) ? cache.get(path) : undefined;
  if (hit) {
    // RFC 9111 §5.1: how long ago the owner produced it.
    sendAnswer(reply, hit, Math.floor((cache!.nowMs() - hit.storedAt) / 1000));
    return;
  }
  const generation = cache?.generation();
  const headers = forwardedHeaders(req);
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : (req.body as Buffer | undefined);
  if (body) headers['content-length'] = String(body.length);
  const end = upstreamSeconds.startTimer({ upstream: up.name });
  // The forwarded request continues the client's trace (or starts one) with the gateway's span
  // as the owning service's parent, so one trace covers gateway → owner → what it calls.
  const span = {
    kind: SpanKind.SERVER,
    parent: callerTraceContext(req),
    attributes: { 'http.method': req.method, 'certctl.upstream': up.name },
  };
  try {
    const res = await withSpan(`${req.method} ${up.prefix}`, span, () =>
      up.circuit.run(
        () => forwardOnce(up, path, req.method, { ...headers, ...injectTraceHeaders() }, body, config.CERTCTL_UPSTREAM_TIMEOUT_MS),
        (err) => err instanceof UpstreamTimeout,
      ),
    );
    end({ status: String(res.status) });
    if (cache) cache.store(path, generation!, res);
    else if (up.cache && req.method === 'POST' && res.status === 200 && ACME_REVOKE.test(path))
      up.cache.store.purge('revocation_forwarded');
    sendAnswer(reply, res);
  } catch (err) {
    if (err instanceof AppError) {
      // The circuit is open: nothing was sent (counted by certctl_circuit_rejected_total).
      end({ status: 'circuit_open' });
      sendProblem(reply, toProblem(err, req));
      return;
    }
    const timedOut = err instanceof UpstreamTimeout;
    end({ status: timedOut ? 'timeout' : 'unreachable' });
    getLogger().warn({ upstream: up.name, err: (err as Error).message }, 'forwarding to owning service failed');
    const e = timedOut
      ? new AppError('timeout', `The ${up.name} service did not answer within ${config.CERTCTL_UPSTREAM_TIMEOUT_MS} ms.`)
      : new AppError('service_unavailable', `The ${up.name} service is unavailable; try again shortly.`);
    sendProblem(reply, toProblem(e, req));
  }
}
