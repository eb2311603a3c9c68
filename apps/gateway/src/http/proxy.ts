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

async function proxy(name: string, base: string, req: FastifyRequest, reply: FastifyReply, config: GatewayConfig): Promise<void> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  headers.set('x-forwarded-for', req.ip);
  headers.set('x-forwarded-proto', req.protocol);
  headers.set('x-forwarded-host', req.headers.host ?? '');
  headers.set('x-request-id', String(req.id));
  const end = upstreamSeconds.startTimer({ upstream: name });
  try {
    const res = await fetch(new URL(req.url, base), {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : (req.body as Buffer | undefined),
      redirect: 'manual',
      signal: AbortSignal.timeout(config.CERTCTL_UPSTREAM_TIMEOUT_MS),
    });
    const body = Buffer.from(await res.arrayBuffer());
    end({ status: String(res.status) });
    res.headers.forEach((value, key) => {
      if (!HOP_BY_HOP.has(key) && key !== 'content-encoding') void reply.header(key, value);
    });
    void reply.status(res.status).send(body);
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
