import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { IssuerCaRpc, Permission, importIssuerBodySchema, issuerSchema } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';

@Controller('api/v1/issuers')
export class IssuerImportController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('import')
  @HttpCode(201)
  @Endpoint({
    permission: Permission.IssuersWrite,
    tag: 'issuers',
    summary:
      'Import an existing CA (e.g. a sub-CA under an enterprise root): the key must match the certificate, the certificate must be a CA valid now, and the chain must validate to a self-signed root (422 naming what is wrong); the key is stored encrypted',
    action: 'issuer.import',
    resource: 'issuer',
    body: importIssuerBodySchema,
    response: issuerSchema,
    status: 201,
    errors: [409],
  })
  async import(
    @Body() body: z.output<typeof importIssuerBodySchema>,
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const out = await this.rpc.request(IssuerCaRpc.import, { actor: actorOf(req.principal!), body }, { timeoutMs: 30000 });
    void reply.header('location', `/api/v1/issuers/${out.id}`);
    return out;
  }
}
