import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram } from 'prom-client';
import { AppError } from '@certctl/contracts';
import { getLogger, registry } from '@certctl/observability';
import type { AcmeConfig } from '../config';
import { AcmeError, acmeErrorFromAppError } from '../protocol/errors';
import type { NonceService } from '../protocol/nonces';
import { type AcmeHostConfig, type AcmeHostPolicy, type AcmeUrls, acmeBaseUrl, acmeHostPolicy } from '../protocol/urls';

const requestDuration = new Histogram({
  name: 'certctl_acme_request_duration_seconds',
  help: 'ACME request duration by endpoint and status',
  labelNames: ['endpoint', 'status'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** What a handler answers; the edge adds Replay-Nonce, Link rel="index" and Cache-Control. */
export interface AcmeReply {
  status?: number;
  body?: unknown;
  location?: string;
  links?: string[];
  contentType?: string;
  retryAfter?: number;
}

export type Params = { pid?: string; id?: string; certId?: string };

/**
 * What every ACME response shares: JOSE bodies parsed as JSON, a fresh nonce and no caching on
 * every answer, the request duration metric, and errors sent as problem documents.
 */
export function installAcmeEdge(app: FastifyInstance, config: AcmeConfig, nonces: NonceService): void {
  app.addContentTypeParser(
    'application/jose+json',
    { parseAs: 'string', bodyLimit: config.CERTCTL_ACME_BODY_LIMIT_BYTES },
    (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new AcmeError('malformed', 'the request body is not JSON'), undefined);
      }
    },
  );
  app.addHook('onSend', async (_req, reply) => {
    if (!reply.hasHeader('replay-nonce')) void reply.header('replay-nonce', nonces.issue());
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
  });
  // The platform's access log skips ACME answers that succeeded: the gateway logs the same
  // request (same request_id) and certctl_acme_request_duration_seconds counts it; a complete
  // order is nine requests, and their log lines were a measurable share of the service's CPU
  // (issue #19). Refused and failed requests are still logged here.
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object | undefined), accessLog: false } as typeof route.config;
  });
  app.addHook('onResponse', async (req, reply) => {
    requestDuration.observe({ endpoint: endpointName(req), status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (reply.statusCode < 400) return;
    const traceId = (req as FastifyRequest & { traceId?: string }).traceId;
    getLogger().info(
      {
        request_id: String(req.id),
        ...(traceId ? { trace_id: traceId } : {}),
        method: req.method,
        path: req.url.split('?')[0],
        route: req.routeOptions?.url ?? 'unmatched',
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'http request',
    );
  });
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err, config));
}

export function send(reply: FastifyReply, out: AcmeReply, urls: AcmeUrls, index = true) {
  const links = [...(out.links ?? []), ...(index ? [`<${urls.directory}>;rel="index"`] : [])];
  if (links.length) void reply.header('link', links.join(', '));
  if (out.location) void reply.header('location', out.location);
  if (out.retryAfter !== undefined) void reply.header('retry-after', String(out.retryAfter));
  void reply.code(out.status ?? 200);
  if (out.body === undefined) return reply.send();
  if (typeof out.body === 'string') return reply.type(out.contentType ?? 'text/plain').send(out.body);
  return reply.type('application/json').send(out.body);
}

/** Any error as an ACME problem: AcmeErrors as they are, AppErrors by APP_ERROR_TO_ACME, Fastify's 4xx as malformed. */
export function toAcmeError(err: unknown): { acme: AcmeError; log: boolean } {
  if (err instanceof AcmeError) return { acme: err, log: false };
  if (err instanceof AppError) return acmeErrorFromAppError(err);
  if (err && typeof err === 'object' && 'statusCode' in err && (err as { statusCode: number }).statusCode < 500) {
    const fastifyError = err as { statusCode: number; message: string; code?: string };
    const detail = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'the request body is too large' : fastifyError.message;
    return { acme: new AcmeError('malformed', detail, { status: fastifyError.statusCode }), log: false };
  }
  return { acme: new AcmeError('serverInternal', 'the server could not process the request'), log: true };
}

function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, config: AcmeConfig) {
  const { acme, log } = toAcmeError(err);
  if (log) getLogger().error({ err, url: req.url }, 'ACME request failed');
  const pid = (req.params as Params | undefined)?.pid;
  const directory = `${baseUrl(req, config)}/acme${pid ? `/profile/${encodeURIComponent(pid)}` : ''}/directory`;
  void reply.header('link', `<${directory}>;rel="index"`);
  if (acme.opts.retryAfterSeconds !== undefined) void reply.header('retry-after', String(acme.opts.retryAfterSeconds));
  if (acme.opts.location) void reply.header('location', acme.opts.location);
  return reply.code(acme.status).type('application/problem+json').send(acme.toProblem());
}

const hostPolicies = new WeakMap<AcmeHostConfig, AcmeHostPolicy>();

/**
 * The base URL the client used: configured, or the gateway's X-Forwarded-Proto/Host when that
 * Host is on the allow-list (acmeHostPolicy); any other Host gets the configured public URL.
 */
export function baseUrl(req: FastifyRequest, config: AcmeHostConfig): string {
  let policy = hostPolicies.get(config);
  if (!policy) hostPolicies.set(config, (policy = acmeHostPolicy(config)));
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  return acmeBaseUrl(policy, first(req.headers['x-forwarded-proto']), first(req.headers['x-forwarded-host']) ?? req.headers.host);
}

function endpointName(req: FastifyRequest): string {
  const route = req.routeOptions?.url ?? 'unmatched';
  return route.replace(/^\/acme(\/profile\/:pid)?/, '') || '/';
}
