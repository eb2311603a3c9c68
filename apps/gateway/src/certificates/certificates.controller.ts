import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Rpc, createCertificateBodySchema, idSchema, listCertificatesRequestSchema } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import type { AuthedRequest } from '../auth/api-key.guard';
import { parseInput } from '../validation';

@Controller('api/v1/certificates')
export class CertificatesController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const certificate = parseInput(createCertificateBodySchema, body);
    const out = await this.rpc.request(Rpc.inventory.certificateCreate, { actor: req.actor!, certificate });
    void reply.header('location', `/api/v1/certificates/${out.certificate.id}`);
    return { ...out.certificate, job_id: out.job_id };
  }

  @Get()
  list(@Query() query: unknown) {
    return this.rpc.request(Rpc.inventory.certificateList, parseInput(listCertificatesRequestSchema, query, 'query'));
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.rpc.request(Rpc.inventory.certificateGet, { id: parseInput(idSchema, id, 'query') });
  }
}
