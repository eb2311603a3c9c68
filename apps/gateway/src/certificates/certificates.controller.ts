import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AppError,
  type CreateCertificateBody,
  certificatePemQuerySchema,
  certificateVersionsResponseSchema,
  LifecycleRpc,
  NotificationRpc,
  Permission,
  Rpc,
  certificateSchema,
  createCertificateBodySchema,
  listCertificatesRequestSchema,
  listCertificatesResponseSchema,
  bulkRenewBodySchema,
  bulkRenewResponseSchema,
  renewResponseSchema,
  dashboardSummarySchema,
  updateCertificateBodySchema,
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
    // The page (up to 500 rows) was checked against its contract by inventory before it left.
    return this.rpc.request(Rpc.inventory.certificateList, query, { checkReply: false });
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

  @Get(':id/versions')
  @Endpoint({
    permission: Permission.CertificatesRead,
    tag: 'certificates',
    summary: 'Every issued version of a certificate, newest first: serial, validity, key, chain, and the job and requester that caused it',
    response: certificateVersionsResponseSchema,
    errors: [404],
  })
  versions(@Param('id') id: string) {
    return this.rpc.request(LifecycleRpc.certificateVersions, { id: idParam(id) });
  }

  @Get(':id/pem')
  @Endpoint({
    permission: Permission.CertificatesRead,
    tag: 'certificates',
    summary:
      'The current version as PEM: `part=fullchain` (default: leaf then chain, application/pem-certificate-chain), `leaf`, or `chain` (application/x-pem-file); 404 before the first issuance',
    query: certificatePemQuerySchema,
    errors: [404],
  })
  async pem(
    @Param('id') id: string,
    @Query() query: z.output<typeof certificatePemQuerySchema>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const cert = await this.rpc.request(Rpc.inventory.certificateGet, { id: idParam(id) });
    const v = cert.current_version;
    if (!v) throw new AppError('not_found', `certificate ${cert.id} has no issued version yet`);
    const pem = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
    const body =
      query.part === 'leaf'
        ? pem(v.certificate_pem)
        : query.part === 'chain'
          ? pem(v.chain_pem)
          : pem(v.certificate_pem) + pem(v.chain_pem);
    const name = `${cert.name.replace(/[^A-Za-z0-9._-]/g, '_')}-${query.part}.pem`;
    void reply
      .type(query.part === 'fullchain' ? 'application/pem-certificate-chain' : 'application/x-pem-file')
      .header('content-disposition', `attachment; filename="${name}"`);
    return body;
  }

  @Patch(':id')
  @Endpoint({
    permission: Permission.CertificatesWrite,
    tag: 'certificates',
    summary: 'Change a certificate’s name, environment, tags, owner, team, renewal policy or profile',
    action: 'certificate.update',
    resource: 'certificate',
    body: updateCertificateBodySchema,
    response: certificateSchema,
    errors: [404, 409],
  })
  update(@Param('id') id: string, @Body() body: z.output<typeof updateCertificateBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(LifecycleRpc.certificateUpdate, { actor: actorOf(req.principal!), id: idParam(id), body });
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({
    permission: Permission.CertificatesWrite,
    tag: 'certificates',
    summary: 'Archive a certificate: it leaves the active inventory and its open jobs are cancelled; its versions are kept',
    action: 'certificate.archive',
    resource: 'certificate',
    status: 204,
    errors: [404, 409],
  })
  async archive(@Param('id') id: string, @Req() req: GatewayRequest): Promise<void> {
    await this.rpc.request(LifecycleRpc.certificateArchive, { actor: actorOf(req.principal!), id: idParam(id) });
  }

  @Post(':id/renew')
  @HttpCode(202)
  @Endpoint({
    permission: Permission.CertificatesWrite,
    tag: 'certificates',
    summary: 'Renew now: queues a renewal job (or holds it for approval); 409 while one is already open',
    action: 'certificate.renew',
    resource: 'certificate',
    response: renewResponseSchema,
    status: 202,
    errors: [404, 409],
  })
  renew(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(LifecycleRpc.certificateRenew, { actor: actorOf(req.principal!), id: idParam(id) });
  }

  @Post('bulk-renew')
  @HttpCode(202)
  @Endpoint({
    permission: Permission.CertificatesWrite,
    tag: 'certificates',
    summary: 'Renew many certificates (up to 10,000 ids, or a filter): one job each, skipping those that cannot be renewed',
    action: 'certificate.bulk_renew',
    resource: 'certificate',
    body: bulkRenewBodySchema,
    response: bulkRenewResponseSchema,
    status: 202,
  })
  bulkRenew(@Body() body: z.output<typeof bulkRenewBodySchema>, @Req() req: GatewayRequest) {
    // Up to 10,000 certificates in one transaction: a longer bound than single-item calls.
    return this.rpc.request(LifecycleRpc.certificateBulkRenew, { actor: actorOf(req.principal!), body }, { timeoutMs: 30000 });
  }
}

@Controller('api/v1/stats')
export class StatsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('summary')
  @Endpoint({
    permission: Permission.CertificatesRead,
    tag: 'stats',
    summary: 'Totals by status, expiring within 7 and 30 days, jobs by status, agents online/offline, dead notifications',
    response: dashboardSummarySchema,
  })
  async summary() {
    // Notifications are optional here: the summary still answers when that service is down.
    const [inventory, notifications] = await Promise.all([
      this.rpc.request(LifecycleRpc.statsSummary, {}),
      this.rpc.request(NotificationRpc.counts, {}, { timeoutMs: 2000 }).catch(() => null),
    ]);
    return {
      ...inventory,
      notifications: notifications ? { dead: notifications.by_status.dead ?? 0, by_status: notifications.by_status } : null,
    };
  }
}
