import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError, fieldErrorsFromZod, roleAllows } from '@certctl/contracts';
import { IS_PUBLIC } from '@certctl/platform';
import { AgentLiveness } from '../agents/agent-liveness';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ENDPOINT, type EndpointSpec } from '../http/endpoint';
import { idParam } from '../http/params';
import { RateLimiter } from '../http/rate-limiter';
import type { GatewayRequest } from './principal';

/**
 * The one guard of the gateway, in order: public routes pass; the API key is resolved
 * (401 otherwise); the per-key rate limit is taken (429); the route's one permission is
 * checked against the key's role, and agent keys against their own agent id (403); every
 * agent route (`agentParam`) of a retired agent answers 410 `agent_retired`, whoever calls;
 * then the body and query are parsed against the route's schemas (422).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly limiter: RateLimiter,
    private readonly agents: AgentLiveness,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const http = ctx.switchToHttp();
    const req = http.getRequest<GatewayRequest>();
    const reply = http.getResponse<FastifyReply>();
    const spec = this.reflector.get<EndpointSpec | undefined>(ENDPOINT, ctx.getHandler());
    if (!spec) throw new AppError('forbidden', 'This route declares no permission.'); // unreachable: the start refuses such routes
    req.endpoint = spec;

    const key = extractKey(req);
    const principal = key ? await this.keys.verify(key) : null;
    await this.limiter.enforce(principal ? `key:${principal.key_id}` : `ip:${req.ip}`, reply);
    if (!principal) {
      void reply.header('www-authenticate', 'Bearer realm="certctl", error="invalid_token"');
      throw new AppError(
        'unauthorized',
        key ? 'The API key is unknown, disabled or expired.' : 'An API key is required (Authorization: Bearer <key> or X-API-Key).',
      );
    }
    req.principal = principal;

    if (!roleAllows(principal.role, spec.permission)) {
      req.deniedPermission = spec.permission;
      throw new AppError(
        'forbidden',
        `This route needs the permission "${spec.permission}", which role "${principal.role}" does not have.`,
      );
    }
    if (principal.role === 'agent' && spec.agentParam) {
      const own = (req.params as Record<string, string>)[spec.agentParam];
      if (own !== principal.agent_id) {
        req.deniedPermission = spec.permission;
        throw new AppError('forbidden', 'An agent key may only act for its own agent id.');
      }
    }
    if (spec.agentParam)
      await this.agents.assertNotRetired(idParam((req.params as Record<string, string>)[spec.agentParam], spec.agentParam));
    if (spec.query) req.query = parse(spec.query, req.query ?? {}, 'query');
    if (spec.body) req.body = parseBody(spec.body, req.body);
    return true;
  }
}

/** A JSON object body parsed against `schema` (public routes call it themselves); 422 naming each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const body = raw === undefined || raw === '' ? {} : raw;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('validation_failed', 'The request body must be a JSON object (Content-Type: application/json).');
  }
  return parse(schema, body, 'body');
}

function parse<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw AppError.validation(
      fieldErrorsFromZod(parsed.error).map((f) => ({ ...f, field: where === 'query' ? `query.${f.field}` : f.field })),
      where === 'query' ? 'The query string has invalid parameters.' : 'The request body has invalid fields.',
    );
  }
  return parsed.data;
}

function extractKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (m) return m[1];
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x.length ? x : undefined;
}
