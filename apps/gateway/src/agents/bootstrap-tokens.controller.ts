import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  Permission,
  agentBootstrapBodySchema,
  bootstrapTokenSchema,
  createBootstrapTokenBodySchema,
  createdBootstrapTokenSchema,
} from '@certctl/contracts';
import { Public } from '@certctl/platform';
import { parseBody } from '../auth/auth.guard';
import type { GatewayRequest } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { listQuerySchema, pageSchema } from '../http/pagination';
import { idParam } from '../http/params';
import { RateLimiter } from '../http/rate-limiter';
import { BootstrapTokensService } from './bootstrap-tokens.service';

const admin = { permission: Permission.InventoryWrite, tag: 'agents' } as const;

/** Bootstrap tokens (admin): an agent exchanges one for its own agent and API key. */
@Controller('api/v1/agent-bootstrap-tokens')
export class BootstrapTokensController {
  constructor(private readonly tokens: BootstrapTokensService) {}

  @Post()
  @HttpCode(201)
  @Endpoint({
    ...admin,
    summary: 'Mint an agent bootstrap token (cbt_…, shown once; stored as its SHA-256)',
    action: 'agent_bootstrap_token.create',
    resource: 'agent_bootstrap_token',
    body: createBootstrapTokenBodySchema,
    response: createdBootstrapTokenSchema,
    status: 201,
  })
  create(@Body() body: z.output<typeof createBootstrapTokenBodySchema>, @Req() req: GatewayRequest) {
    return this.tokens.create(body, req.principal!);
  }

  @Get()
  @Endpoint({
    permission: Permission.InventoryWrite,
    tag: 'agents',
    summary: 'List agent bootstrap tokens (never the tokens themselves)',
    query: listQuerySchema,
    response: pageSchema(bootstrapTokenSchema),
  })
  list(@Query() query: z.output<typeof listQuerySchema>) {
    return this.tokens.list(query);
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({
    ...admin,
    summary: 'Revoke an agent bootstrap token (agents it already enrolled keep their keys)',
    action: 'agent_bootstrap_token.delete',
    resource: 'agent_bootstrap_token',
    status: 204,
    errors: [404],
  })
  async delete(@Param('id') id: string) {
    await this.tokens.delete(idParam(id));
  }
}

/** The public exchange: authenticated only by the bootstrap token, rate-limited per address like refused keys. */
@Controller('api/v1/agents')
export class AgentBootstrapController {
  constructor(
    private readonly tokens: BootstrapTokensService,
    private readonly limiter: RateLimiter,
  ) {}

  /** Authorization: Bearer <bootstrap token>; body { name, hostname } → 201 { agent, api_key }. */
  @Post('bootstrap')
  @Public()
  @HttpCode(201)
  async bootstrap(@Req() req: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    req.auditAction = 'agent.bootstrap';
    await this.limiter.enforce(`ip:${req.ip}`, reply);
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const body = parseBody(agentBootstrapBodySchema, req.body);
    const enrolled = await this.tokens.exchange(token, body).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'unauthorized') {
        void reply.header('www-authenticate', 'Bearer realm="certctl-agent-bootstrap", error="invalid_token"');
      }
      throw err;
    });
    req.auditActor = `bootstrap:${enrolled.token_id}`;
    req.auditResourceId = enrolled.id;
    req.auditDetails = { token_id: enrolled.token_id };
    void reply.header('location', `/api/v1/agents/${enrolled.id}`);
    return { id: enrolled.id, agent: enrolled.agent, api_key: enrolled.api_key };
  }
}
