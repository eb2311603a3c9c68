import { Agent as HttpAgent, type IncomingHttpHeaders, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram } from 'prom-client';
import { AppError } from '@certctl/contracts';
import { getLogger, registry } from '@certctl/observability';
import { sendProblem, toProblem } from '@certctl/platform';
import type { GatewayConfig } from '../config';

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

/**
 * Public protocol surfaces are forwarded unchanged to the services that own them, so one
 * base URL serves everything: /acme/* → acme (authenticated by JWS, not API keys) and
 * /.well-known/* → revocation (CRL/OCSP, public by their RFCs). Bodies pass as bytes.
 */
export async function installPublicProxy(fastify: FastifyInstance, config: GatewayConfig): Promise<void> {
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const forward = (name: string, base: string) => (req: FastifyRequest, reply: FastifyReply) => proxy(name, base, req, reply, config);
    scope.route({ method: [...METHODS], url: '/acme', handler: forward('acme', config.CERTCTL_ACME_URL) });
    scope.route({ method: [...METHODS], url: '/acme/*', handler: forward('acme', config.CERTCTL_ACME_URL) });
    scope.route({ method: [...METHODS], url: '/.well-known/*', handler: forward('revocation', config.CERTCTL_REVOCATION_URL) });
  });
}

/** Keep-alive connections to the owning services: no TCP handshake per forwarded request. */
const agents = new Map<string, HttpAgent>();

function agentFor(base: string): HttpAgent {
  let a = agents.get(base);
  if (!a) {
    const o = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' as const };
    a = base.startsWith('https:') ? new HttpsAgent(o) : new HttpAgent(o);
    agents.set(base, a);
  }
  return a;
}

class UpstreamTimeout extends Error {
  override name = 'TimeoutError';
}

/** One upstream round trip over node:http (lighter than fetch for small protocol messages). */
function forwardOnce(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: Buffer | undefined,
  timeoutMs: number,
  agent: HttpAgent,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const r = send(url, { method, headers, agent }, (res) => {
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

async function proxy(name: string, base: string, req: FastifyRequest, reply: FastifyReply, config: GatewayConfig): Promise<void> {
  const headers = forwardedHeaders(req);
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : (req.body as Buffer | undefined);
  if (body) headers['content-length'] = String(body.length);
  const end = upstreamSeconds.startTimer({ upstream: name });
  try {
    const res = await forwardOnce(new URL(req.url, base), req.method, headers, body, config.CERTCTL_UPSTREAM_TIMEOUT_MS, agentFor(base));
    end({ status: String(res.status) });
    for (const [key, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(key)) void reply.header(key, value);
    }
    void reply.status(res.status).send(res.body);
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    end({ status: timedOut ? 'timeout' : 'unreachable' });
    getLogger().warn({ upstream: name, err: (err as Error).message }, 'forwarding to owning service failed');
    const e = timedOut
      ? new AppError('timeout', `The ${name} service did not answer within ${config.CERTCTL_UPSTREAM_TIMEOUT_MS} ms.`)
      : new AppError('service_unavailable', `The ${name} service is unavailable; try again shortly.`);
    sendProblem(reply, toProblem(e, req));
  }
}
