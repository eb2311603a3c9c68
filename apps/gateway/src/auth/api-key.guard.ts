import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type Actor } from '@certctl/contracts';
import { IS_PUBLIC } from '@certctl/platform';
import { ApiKeyService } from './api-key.service';

export type AuthedRequest = FastifyRequest & { actor?: Actor };

/** Every route needs a valid API key (Authorization: Bearer or X-API-Key) unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const http = ctx.switchToHttp();
    const req = http.getRequest<AuthedRequest>();
    const key = extractKey(req);
    const actor = key ? await this.keys.verify(key) : null;
    if (!actor) {
      void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="certctl", error="invalid_token"');
      throw new AppError(
        'unauthorized',
        key ? 'The API key is unknown, disabled or expired.' : 'An API key is required (Authorization: Bearer <key> or X-API-Key).',
      );
    }
    req.actor = actor;
    return true;
  }
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
