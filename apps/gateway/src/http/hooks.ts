import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, findInputHazard } from '@certctl/contracts';
import { sendProblem, toProblem } from '@certctl/platform';
import type { AuditRecord } from '../audit/audit-record';
import type { AuditWriter } from '../audit/audit.writer';
import type { GatewayRequest } from '../auth/principal';
import type { GatewayConfig } from '../config';
import { refuseConnectMethod, targetProblem } from './proxy';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const CSP_HTML =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const CSP_API = "default-src 'none'; frame-ancestors 'none'";

/**
 * The gateway's HTTP edge, as Fastify hooks: request bodies hashed as they are parsed
 * (the audit keeps the SHA-256, never the body), CORS (denied unless origins are
 * configured), security headers, and the audit row of every mutating request and of
 * every 401/403, recorded after the response has been sent.
 */
export function installGatewayHooks(fastify: FastifyInstance, config: GatewayConfig, audit: AuditWriter): void {
  installHashingJsonParser(fastify);
  refuseConnectMethod(fastify.server);
  // Before anything else reads the request: only origin-form targets, no dot segments
  // (absolute-form would otherwise reach the proxy with a client-chosen host).
  fastify.addHook('onRequest', refuseUnsafeTarget);
  fastify.addHook('onRequest', corsHook(config.CERTCTL_CORS_ORIGINS));
  // Every string a route reads (path parameters, query, JSON body) is storable text and the
  // body nests at most MAX_INPUT_DEPTH levels, before any guard, schema or service sees it.
  fastify.addHook('preValidation', refuseHazardousInput);
  fastify.addHook('onSend', securityHeadersAndCreatedId);
  fastify.addHook('onResponse', auditHook(audit));
}

/** JSON bodies parsed as before, with the SHA-256 of the raw text kept on the request for the audit row. */
function installHashingJsonParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  if (fastify.hasContentTypeParser('application/json')) fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    (req as GatewayRequest).bodySha256 = createHash('sha256').update(text, 'utf8').digest('hex');
    if (text.length === 0) return done(null, undefined);
    parseJson(req, text, done);
  });
}

async function refuseUnsafeTarget(req: FastifyRequest, reply: FastifyReply) {
  const problem = targetProblem(req.raw.url ?? '');
  if (problem) {
    sendProblem(reply, toProblem(new AppError('bad_request', problem), req));
    return reply;
  }
}

/** CORS: the configured origins (or '*') get the allow headers; a preflight from any other origin is refused. */
function corsHook(origins: string[]) {
  const allowAll = origins.includes('*');
  const allowed = new Set(origins);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (!origin) return;
    const ok = allowAll || allowed.has(origin);
    if (ok) {
      void reply.header('access-control-allow-origin', allowAll ? '*' : origin).header('vary', 'Origin');
      void reply.header('access-control-expose-headers', 'Location, Retry-After, X-Request-ID, RateLimit-Limit, RateLimit-Remaining');
    }
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      if (!ok) {
        sendProblem(reply, toProblem(new AppError('forbidden', `Cross-origin requests from ${origin} are not allowed.`), req));
        return reply;
      }
      void reply
        .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
        .header('access-control-allow-headers', 'Authorization, X-API-Key, Content-Type, X-Request-ID, traceparent')
        .header('access-control-max-age', '600')
        .status(204)
        .send();
      return reply;
    }
  };
}

async function refuseHazardousInput(req: FastifyRequest, reply: FastifyReply) {
  const body = Buffer.isBuffer(req.body) ? undefined : req.body;
  const hazard = findInputHazard(req.params, 'path') ?? findInputHazard(req.query, 'query') ?? findInputHazard(body, '');
  if (!hazard) return;
  const field = hazard.field || '(body)';
  const err = hazard.tooDeep
    ? new AppError('bad_request', `The request ${field === '(body)' ? 'body' : field} ${hazard.message}.`)
    : AppError.validation([{ field, message: hazard.message }], 'The request holds text that cannot be stored.');
  sendProblem(reply, toProblem(err, req));
  return reply;
}

async function securityHeadersAndCreatedId(req: FastifyRequest, reply: FastifyReply, payload: unknown) {
  void reply.header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer');
  const type = String(reply.getHeader('content-type') ?? '');
  void reply.header('content-security-policy', type.startsWith('text/html') ? CSP_HTML : CSP_API);
  if (req.protocol === 'https') void reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  if (req.url.startsWith('/api/v1/')) void reply.header('cache-control', 'no-store');
  rememberCreatedId(req as GatewayRequest, reply.statusCode, payload);
  return payload;
}

/** The id of a created resource, for the audit row, from the response body. */
function rememberCreatedId(req: GatewayRequest, status: number, payload: unknown): void {
  if (READ_METHODS.has(req.method) || status !== 201 || typeof payload !== 'string' || req.auditResourceId) return;
  try {
    const id = (JSON.parse(payload) as { id?: unknown }).id;
    if (typeof id === 'string') req.auditResourceId = id;
  } catch {
    /* not JSON: no id */
  }
}

/** After the response: one audit row for each mutating (or explicitly audited) API request and each 401/403. */
function auditHook(audit: AuditWriter) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.url.startsWith('/api/')) return;
    const status = reply.statusCode;
    const greq = req as GatewayRequest;
    const audited = greq.endpoint?.audit ?? !READ_METHODS.has(req.method);
    if (!audited && status !== 401 && status !== 403) return;
    audit.record(auditRecordOf(greq, status, Math.round(reply.elapsedTime)));
  };
}

function auditRecordOf(req: GatewayRequest, status: number, latencyMs: number): AuditRecord {
  const spec = req.endpoint;
  const params = (req.params ?? {}) as Record<string, string>;
  const path = req.url.split('?')[0];
  return {
    occurredAt: new Date(),
    actor: req.principal?.principal ?? req.auditActor ?? 'anonymous',
    role: req.principal?.role ?? null,
    action: spec?.action ?? req.auditAction ?? `${req.method.toLowerCase()} ${req.routeOptions?.url ?? path}`,
    method: req.method,
    path: path.slice(0, 2048),
    resourceType: spec?.resource ?? null,
    resourceId: (req.auditResourceId ?? params.id ?? null)?.slice(0, 128) ?? null,
    status,
    bodySha256: spec?.secretBody ? null : (req.bodySha256 ?? null),
    latencyMs,
    requestId: String(req.id),
    sourceIp: req.ip ?? null,
    details: {
      ...(req.principal ? { key_name: req.principal.key_name } : {}),
      ...(req.deniedPermission ? { missing_permission: req.deniedPermission } : {}),
      ...req.auditDetails,
    },
  };
}
