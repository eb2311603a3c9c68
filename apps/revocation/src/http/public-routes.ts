import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, idSchema } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { clientIp, sendProblem, toProblem } from '@certctl/platform';
import { OCSP_MAX_REQUEST_BYTES, ocspErrorResponse } from '@certctl/pki';
import type { RevocationConfig } from '../config';
import type { CrlService } from '../crl/crl.service';
import type { IssuerCache } from '../issuers/issuer-cache';
import type { OcspService } from '../ocsp/ocsp.service';
import { AcmeHttp01Answers } from './acme-http01';

const CRL_PATH = '/.well-known/pki/crl/:issuerId';
const OCSP_PATH = '/.well-known/pki/ocsp/:issuerId';
const ACME_HTTP01_PATH = '/.well-known/acme-challenge/:token';
const ALL_METHODS = ['DELETE', 'PATCH', 'PUT', 'OPTIONS'] as const;

export interface PublicRouteDeps {
  config: RevocationConfig;
  crl: CrlService;
  ocsp: OcspService;
  issuers: IssuerCache;
  /** http-01 answers stored by the issuance service's acme connector (default: read from REDIS_URL). */
  http01?: AcmeHttp01Answers;
}

/**
 * The public, unauthenticated revocation endpoints (RFC 5280 CRLs, RFC 6960 OCSP), as
 * plain Fastify routes: bodies are raw bytes, and the hot OCSP path skips Nest's pipeline.
 */
export async function installPublicRoutes(fastify: FastifyInstance, deps: PublicRouteDeps): Promise<void> {
  const http01 = deps.http01 ?? new AcmeHttp01Answers(deps.config.REDIS_URL);
  fastify.addHook('onClose', () => http01.close());
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: OCSP_MAX_REQUEST_BYTES * 8 }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (req.url.startsWith('/.well-known/pki/ocsp/') && (status === 413 || status === 400)) {
        return sendOcsp(reply, ocspErrorResponse('malformedRequest'), 0);
      }
      if (status === 500) getLogger().warn({ err: err.message, url: req.url }, 'revocation endpoint failed');
      const appErr =
        status === 413
          ? new AppError('payload_too_large', 'The request body is too large.')
          : status === 500
            ? new AppError('service_unavailable', 'Revocation data is not available right now; try again shortly.', { retryable: true })
            : AppError.validation([], err.message);
      sendProblem(reply, toProblem(appErr, req));
    });

    // RFC 8555 §8.3: the key authorization as the whole body, for the platform's own ACME orders.
    scope.get(ACME_HTTP01_PATH, async (req, reply) => {
      const { token } = req.params as { token: string };
      const answer = await http01.get(token);
      if (answer === null) return sendProblem(reply, toProblem(AppError.notFound('acme challenge', token.slice(0, 64)), req));
      return reply.header('content-type', 'text/plain').header('cache-control', 'no-store').send(answer);
    });
    scope.get(CRL_PATH, (req, reply) => serveCrl(req as FastifyRequest<{ Params: { issuerId: string } }>, reply, deps));
    const quiet = { config: { accessLog: false } };
    scope.post(OCSP_PATH, quiet, (req, reply) => {
      const { issuerId } = req.params as { issuerId: string };
      return serveOcsp(req, reply, deps, issuerId, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    });
    scope.get(`${OCSP_PATH}/*`, quiet, (req, reply) => {
      const { issuerId, '*': encoded } = req.params as { issuerId: string; '*': string };
      return serveOcsp(req, reply, deps, issuerId, decodeGetRequest(encoded));
    });
    const notAllowed = (allow: string) => (req: FastifyRequest, reply: FastifyReply) => {
      void reply.header('allow', allow);
      sendProblem(reply, {
        ...toProblem(new AppError('validation_failed', `Use ${allow}.`), req),
        status: 405,
        title: 'Method not allowed',
      });
    };
    scope.route({ method: ['POST', ...ALL_METHODS], url: CRL_PATH, handler: notAllowed('GET, HEAD') });
    scope.route({ method: ['GET', 'HEAD', ...ALL_METHODS], url: OCSP_PATH, handler: notAllowed('POST') });
    scope.route({ method: ['POST', ...ALL_METHODS], url: `${OCSP_PATH}/*`, handler: notAllowed('GET') });
  });
}

/** RFC 6960 appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}. */
export function decodeGetRequest(encoded: string): Buffer {
  let text: string;
  try {
    text = decodeURIComponent(encoded ?? '');
  } catch {
    return Buffer.alloc(0);
  }
  if (text.length > OCSP_MAX_REQUEST_BYTES * 2 || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return Buffer.alloc(0);
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function validIssuerId(id: string): boolean {
  return idSchema.safeParse(id).success;
}

function notFound(req: FastifyRequest, reply: FastifyReply, issuerId: string): void {
  sendProblem(reply, toProblem(AppError.notFound('issuer', issuerId.slice(0, 128)), req));
}

async function serveCrl(req: FastifyRequest<{ Params: { issuerId: string } }>, reply: FastifyReply, deps: PublicRouteDeps): Promise<void> {
  const { issuerId } = req.params;
  if (!validIssuerId(issuerId) || !(await deps.issuers.get(issuerId))) return notFound(req, reply, issuerId);
  const crl = await deps.crl.get(issuerId);
  const etag = `"${crl.etag}"`;
  const left = Math.max(0, Math.floor((crl.nextUpdate.getTime() - Date.now()) / 1000));
  void reply
    .header('etag', etag)
    .header('last-modified', crl.thisUpdate.toUTCString())
    .header('cache-control', `public, max-age=${Math.min(deps.config.CERTCTL_CRL_MAX_AGE_SECONDS, left)}`)
    .header('expires', crl.nextUpdate.toUTCString());
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
    return void reply.status(304).send();
  }
  void reply.header('content-type', 'application/pkix-crl').send(crl.der);
}

async function serveOcsp(req: FastifyRequest, reply: FastifyReply, deps: PublicRouteDeps, issuerId: string, der: Buffer): Promise<void> {
  if (!validIssuerId(issuerId)) return notFound(req, reply, issuerId);
  const answer = await deps.ocsp.respond(issuerId, der, clientIp(req));
  if (answer.kind === 'unknown_issuer') return notFound(req, reply, issuerId);
  if (answer.kind === 'rate_limited') {
    void reply.header('retry-after', String(answer.retryAfterSeconds));
    const err = new AppError(
      'rate_limited',
      `Too many OCSP requests that need a fresh signature; retry after ${answer.retryAfterSeconds} s.`,
    );
    return sendProblem(reply, toProblem(err, req));
  }
  return sendOcsp(reply, answer.der, req.method === 'GET' ? Math.min(60, deps.config.CERTCTL_OCSP_CACHE_SECONDS) : 0);
}

function sendOcsp(reply: FastifyReply, der: Buffer, maxAge: number): void {
  void reply
    .status(200)
    .header('content-type', 'application/ocsp-response')
    .header('cache-control', maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache')
    .send(der);
}
