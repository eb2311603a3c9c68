import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import { type Problem, sendProblem, toProblem } from '@certctl/platform';
import type { AuditWriter } from '../audit/audit.writer';
import type { GatewayConfig } from '../config';
import type { EnrollmentIssuer } from '../enrollment/enrollment-issuer';
import { enrollmentsTotal } from '../enrollment/enrollment-metrics';
import { EstAuthenticator, EstRefusal, peerCertificate, tlsExporter } from './est-client';
import { type EnrollKind, type EstAnswer, EstService, type KeygenSigner } from './est.service';

const OPERATIONS = ['cacerts', 'csrattrs', 'simpleenroll', 'simplereenroll', 'serverkeygen'] as const;
type Operation = (typeof OPERATIONS)[number];
const GET_OPERATIONS: readonly Operation[] = ['cacerts', 'csrattrs'];

export interface EstDependencies {
  rpc: RpcClient;
  issuer: EnrollmentIssuer;
  audit: AuditWriter;
  config: GatewayConfig;
  /** Signs encrypted server-generated keys (the profile's RA certificate, as SCEP uses). */
  keygenSigner: KeygenSigner;
}

/**
 * EST (RFC 7030) at /.well-known/est/<operation> (the default profile) and
 * /.well-known/est/<label>/<operation>, on both listeners (client certificates only on
 * HTTPS). Outside the API's key authentication: each operation authenticates as its profile
 * says. Bodies are taken as bytes (bounded by CERTCTL_MAX_BODY_BYTES); errors are problem+json.
 */
export async function installEst(fastify: FastifyInstance, deps: EstDependencies): Promise<void> {
  const service = new EstService(deps.rpc, deps.issuer, deps.config.CERTCTL_ENROLLMENT_WAIT_MS, deps.keygenSigner);
  const auth = new EstAuthenticator(deps.rpc, deps.config.CERTCTL_ENROLLMENT_LOCKOUT_FAILURES);
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const handler = (req: FastifyRequest, reply: FastifyReply) => serve(req, reply, service, auth, deps.audit);
    for (const url of ['/.well-known/est/:op', '/.well-known/est/:label/:op']) scope.route({ method: ['GET', 'POST'], url, handler });
  });
}

async function serve(req: FastifyRequest, reply: FastifyReply, service: EstService, auth: EstAuthenticator, audit: AuditWriter) {
  const { label, op } = req.params as { label?: string; op: string };
  const enrolling = !GET_OPERATIONS.includes(op as Operation);
  let profileLabel = label ?? 'default';
  let answer: EstAnswer | undefined;
  let actor = `est:${profileLabel}:${req.ip}`;
  try {
    if (!OPERATIONS.includes(op as Operation)) throw new AppError('not_found', `EST operation ${JSON.stringify(op)} is not served.`);
    const wanted = enrolling ? 'POST' : 'GET';
    if (req.method !== wanted) throw new AppError('bad_request', `EST ${op} takes ${wanted}.`);
    if (label !== undefined && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(label)) throw new AppError('not_found', 'No such EST profile.');
    const profile = await service.resolve(label);
    profileLabel = profile.label;
    if (op === 'cacerts') answer = await service.cacerts(profile);
    else if (op === 'csrattrs') answer = await service.csrattrs(profile);
    else {
      const peer = peerCertificate(req);
      const client = await auth.authenticate(profile, op === 'simplereenroll', {
        ip: req.ip,
        authorization: req.headers.authorization,
        peer,
      });
      actor = client.actor;
      const body = Buffer.isBuffer(req.body) ? req.body : undefined;
      answer = await service.enroll(profile, op as EnrollKind, {
        contentType: req.headers['content-type'] ?? '',
        body,
        client,
        peer,
        tlsExporter: tlsExporter(req),
      });
    }
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  } catch (err) {
    sendRefusal(req, reply, err);
  }
  if (enrolling) record(req, reply, audit, { op, label: profileLabel, actor, answer });
}

function sendRefusal(req: FastifyRequest, reply: FastifyReply, err: unknown): void {
  if (err instanceof EstRefusal) {
    const problem = { ...toProblem(new AppError('bad_request', err.message), req), status: err.status, code: err.code };
    void reply.headers(err.headers);
    sendProblem(reply, { ...problem, type: `urn:certctl:error:${err.code}`, title: err.code.replace(/_/g, ' ') } as Problem);
    return;
  }
  const problem = toProblem(err, req);
  // RFC 7030 §4.2.3: a request the server refuses for its content is a 400 (the profile's rules included).
  sendProblem(reply, problem.code === 'validation_failed' ? { ...problem, status: 400 } : problem);
}

/** One audit row (actor: the client) and one count per enrollment attempt. */
function record(
  req: FastifyRequest,
  reply: FastifyReply,
  audit: AuditWriter,
  e: { op: string; label: string; actor: string; answer?: EstAnswer },
): void {
  const status = reply.statusCode;
  const outcome =
    e.answer?.outcome ??
    (status === 401 || status === 403 ? 'unauthorized' : status === 429 ? 'locked_out' : status < 500 ? 'refused' : 'failed');
  enrollmentsTotal.inc({ protocol: 'est', profile: e.label, outcome });
  audit.record({
    occurredAt: new Date(),
    actor: e.actor,
    role: null,
    action: e.op === 'simplereenroll' ? 'est.reenroll' : e.op === 'serverkeygen' ? 'est.serverkeygen' : 'est.enroll',
    method: req.method,
    path: req.url.split('?')[0].slice(0, 2048),
    resourceType: 'certificate',
    resourceId: e.answer?.certificateId ?? null,
    status,
    bodySha256: null,
    latencyMs: Math.round(reply.elapsedTime),
    requestId: String(req.id),
    sourceIp: req.ip ?? null,
    details: {
      protocol: 'est',
      enrollment_profile: e.label,
      outcome,
      ...(e.answer?.keyEncryptedFor ? { key_encrypted_for: e.answer.keyEncryptedFor } : {}),
    },
  });
}
