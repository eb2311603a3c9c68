import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import {
  IssuerRpc,
  Permission,
  Rpc,
  createIssuerBodySchema,
  issuerSchema,
  issuerTestResponseSchema,
  issuerTreeSchema,
  listIssuersResponseSchema,
} from '@certctl/contracts';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { RpcClient } from '@certctl/messaging';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';

@Controller('api/v1/issuers')
export class IssuersController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Endpoint({ permission: Permission.IssuersRead, tag: 'issuers', summary: 'List issuers', response: listIssuersResponseSchema })
  list() {
    return this.rpc.request(Rpc.issuance.issuerList, {});
  }

  @Get(':id')
  @Endpoint({
    permission: Permission.IssuersRead,
    tag: 'issuers',
    summary: 'Get an issuer with its CA certificate and chain',
    response: issuerSchema,
    errors: [404],
  })
  get(@Param('id') id: string) {
    return this.rpc.request(Rpc.issuance.issuerGet, { id: idParam(id) });
  }

  @Post()
  @HttpCode(201)
  @Endpoint({
    permission: Permission.IssuersWrite,
    tag: 'issuers',
    summary:
      'Create an issuer: a local CA (a new root, or an intermediate under parent_id; any depth, path length enforced) or a connector issuer (type script) whose config its connector validates, stored encrypted',
    action: 'issuer.create',
    resource: 'issuer',
    body: createIssuerBodySchema,
    response: issuerSchema,
    status: 201,
    errors: [409],
  })
  async create(
    @Body() body: z.output<typeof createIssuerBodySchema>,
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const out = await this.rpc.request(IssuerRpc.create, { actor: actorOf(req.principal!), body }, { timeoutMs: 30000 });
    void reply.header('location', `/api/v1/issuers/${out.id}`);
    return out;
  }

  @Get(':id/hierarchy')
  @Endpoint({
    permission: Permission.IssuersRead,
    tag: 'issuers',
    summary: 'The issuer and every CA below it, as a tree',
    response: issuerTreeSchema,
    errors: [404],
  })
  hierarchy(@Param('id') id: string) {
    return this.rpc.request(IssuerRpc.hierarchy, { id: idParam(id) });
  }

  @Post(':id/retire')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.IssuersWrite,
    tag: 'issuers',
    summary: 'Retire a CA: it signs nothing more; refused (409) while it has active child CAs',
    action: 'issuer.retire',
    resource: 'issuer',
    response: issuerSchema,
    errors: [404, 409],
  })
  retire(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(IssuerRpc.retire, { actor: actorOf(req.principal!), id: idParam(id) });
  }

  @Post(':id/test')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.IssuersWrite,
    tag: 'issuers',
    summary:
      "Run the issuer's connector health check (local: the CA key decrypts and signs a probe; script: the executable exists and runs)",
    action: 'issuer.test',
    resource: 'issuer',
    response: issuerTestResponseSchema,
    errors: [404],
  })
  test(@Param('id') id: string, @Req() req: GatewayRequest) {
    // A script dry run may take up to its timeout (at most 120 s).
    return this.rpc.request(IssuerRpc.test, { actor: actorOf(req.principal!), id: idParam(id) }, { timeoutMs: 130000 });
  }
}
