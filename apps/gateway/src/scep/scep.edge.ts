import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@certctl/contracts';
import { counter } from '@certctl/observability';
import { sendProblem, toProblem } from '@certctl/platform';
import { SCEP_CA_CAPS } from '@certctl/pki';
import type { AuditWriter } from '../audit/audit.writer';
import type { RateLimiter } from '../http/rate-limiter';
import type { ScepResult, ScepService } from './scep.service';

/** A pkiMessage is a few kilobytes; anything past this is refused with 413 before parsing. */
export const SCEP_MAX_MESSAGE_BYTES = 256 * 1024;
/** What a PKIOperation POST may carry: RFC 8894's type, and what older clients send. */
const MESSAGE_TYPES = new Set(['application/x-pki-message', 'application/octet-stream']);

/** Shared with EST: one count per protocol, profile and outcome (issued, pending, refused). */
export const enrollmentsTotal = counter('certctl_enrollments_total', 'Enrollments over EST and SCEP by profile and outcome', [
  'protocol',
  'profile',
  'outcome',
]);

interface ScepQuery {
  operation?: string;
  message?: string;
}

/**
 * The SCEP edge (RFC 8894 §4): `/scep` (the default SCEP profile) and `/scep/<label>`, GET
 * and POST, `?operation=GetCACaps|GetCACert|PKIOperation`. Public like ACME (the challenge
 * password or the renewed certificate authenticates), rate-limited per client address, each
 * enrollment audited (actor `scep:<label>:<transactionID>`) and counted.
 */
export async function installScepEdge(
  fastify: FastifyInstance,
  scep: ScepService,
  limiter: RateLimiter,
  audit: AuditWriter,
): Promise<void> {
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: SCEP_MAX_MESSAGE_BYTES }, (_req, body, done) => done(null, body));
    const handler = (req: FastifyRequest, reply: FastifyReply) => serve(req, reply, scep, limiter, audit);
    for (const url of ['/scep', '/scep/:label']) scope.route({ method: ['GET', 'POST'], url, handler });
  });
}

async function serve(req: FastifyRequest, reply: FastifyReply, scep: ScepService, limiter: RateLimiter, audit: AuditWriter): Promise<void> {
  const started = Date.now();
  try {
    await limiter.enforce(`scep:${req.ip}`, reply);
    const query = (req.query ?? {}) as ScepQuery;
    const label = (req.params as { label?: string }).label;
    switch (query.operation) {
      case 'GetCACaps':
        await scep.profile(label);
        void reply.header('content-type', 'text/plain').send(`${SCEP_CA_CAPS.join('\n')}\n`);
        return;
      case 'GetCACert': {
        const body = await scep.caCertificates(await scep.profile(label));
        void reply.header('content-type', 'application/x-x509-ca-ra-cert').send(body);
        return;
      }
      case 'PKIOperation': {
        const message = pkiMessageOf(req, query);
        const profile = await scep.profile(label);
        const result = await scep.pkiOperation(profile, message, req.ip);
        record(audit, req, profile.label, result, message, Date.now() - started);
        void reply.header('content-type', 'application/x-pki-message').send(result.body);
        return;
      }
      default:
        throw AppError.validation([{ field: 'operation', message: 'must be GetCACaps, GetCACert or PKIOperation' }]);
    }
  } catch (err) {
    sendProblem(reply, toProblem(err, req));
  }
}

/** The DER pkiMessage: the POST body, or the base64 `message` parameter of a GET. */
function pkiMessageOf(req: FastifyRequest, query: ScepQuery): Buffer {
  if (req.method === 'POST') {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (!MESSAGE_TYPES.has(type)) {
      throw new AppError('bad_request', 'A PKIOperation POST carries Content-Type application/x-pki-message.');
    }
    const body = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('bad_request', 'The PKIOperation body is empty.');
    return body;
  }
  const text = typeof query.message === 'string' ? query.message.replace(/ /g, '+') : '';
  if (!text || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw AppError.validation([{ field: 'message', message: 'must be the base64 DER pkiMessage' }]);
  }
  return Buffer.from(text, 'base64');
}

function record(audit: AuditWriter, req: FastifyRequest, label: string, result: ScepResult, message: Buffer, latencyMs: number): void {
  if (!result.action) return;
  enrollmentsTotal.inc({ protocol: 'scep', profile: label, outcome: result.outcome });
  audit.record({
    occurredAt: new Date(),
    actor: `scep:${label}:${result.transactionId}`.slice(0, 256),
    role: null,
    action: result.action,
    method: req.method,
    path: req.url.split('?')[0].slice(0, 2048),
    resourceType: 'certificate',
    resourceId: result.certificateId ?? null,
    status: 200,
    bodySha256: createHash('sha256').update(message).digest('hex'),
    latencyMs,
    requestId: String(req.id),
    sourceIp: req.ip ?? null,
    details: { outcome: result.outcome, ...(result.failInfo ? { fail_info: result.failInfo, reason: result.detail } : {}) },
  });
}
