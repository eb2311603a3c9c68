import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  type CreateCertificateBody,
  Permission,
  Rpc,
  certificateSchema,
  createCertificateBodySchema,
  listCertificatesRequestSchema,
  listCertificatesResponseSchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';

@Controller('api/v1/certificates')
export class CertificatesController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @HttpCode(201)
  @Endpoint({
    permission: Permission.CertificatesWrite,
    tag: 'certificates',
    summary: 'Create a managed certificate and queue its issuance (or hold it for approval when its profile requires one)',
    action: 'certificate.create',
    resource: 'certificate',
    body: createCertificateBodySchema,
    response: certificateSchema.extend({ job_id: z.string() }),
    status: 201,
    errors: [409],
  })
  async create(@Body() certificate: CreateCertificateBody, @Req() req: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const out = await this.rpc.request(Rpc.inventory.certificateCreate, { actor: actorOf(req.principal!), certificate });
    void reply.header('location', `/api/v1/certificates/${out.certificate.id}`);
    return { ...out.certificate, job_id: out.job_id };
  }

  @Get()
  @Endpoint({
    permission: Permission.CertificatesRead,
    tag: 'certificates',
    summary: 'List certificates, filtered and sorted, one page at a time',
    query: listCertificatesRequestSchema,
    response: listCertificatesResponseSchema,
  })
  list(@Query() query: z.output<typeof listCertificatesRequestSchema>) {
    return this.rpc.request(Rpc.inventory.certificateList, query);
  }

  @Get(':id')
  @Endpoint({
    permission: Permission.CertificatesRead,
    tag: 'certificates',
    summary: 'Get a certificate with its current version (PEM and chain)',
    response: certificateSchema,
    errors: [404],
  })
  get(@Param('id') id: string) {
    return this.rpc.request(Rpc.inventory.certificateGet, { id: idParam(id) });
  }
}
