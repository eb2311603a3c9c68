import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  InventoryHealthCheck,
  Permission,
  createHealthCheckBodySchema,
  healthCheckResultSchema,
  healthCheckSchema,
  healthHistoryQuerySchema,
  healthSummarySchema,
  listHealthChecksQuerySchema,
  updateHealthCheckBodySchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { pageSchema } from '../http/pagination';
import { idParam } from '../http/params';

const common = { tag: 'health-checks', resource: 'health_check' } as const;
const read = { ...common, permission: Permission.InventoryRead } as const;
const write = { ...common, permission: Permission.InventoryWrite } as const;

/** Endpoint health checks: TLS endpoints probed by the scheduler, forwarded to inventory. */
@Controller('api/v1/health-checks')
export class HealthChecksController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @HttpCode(201)
  @Endpoint({
    ...write,
    summary: 'Create an endpoint health check (host, port, SNI, expected fingerprint or certificate)',
    action: 'health_check.create',
    body: createHealthCheckBodySchema,
    response: healthCheckSchema,
    status: 201,
    errors: [409],
  })
  async create(
    @Body() body: z.output<typeof createHealthCheckBodySchema>,
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const check = await this.rpc.request(InventoryHealthCheck.create, { actor: actorOf(req.principal!), body });
    req.auditResourceId = check.id;
    void reply.header('location', `/api/v1/health-checks/${check.id}`);
    return check;
  }

  @Get()
  @Endpoint({ ...read, summary: 'List health checks', query: listHealthChecksQuerySchema, response: pageSchema(healthCheckSchema) })
  list(@Query() query: z.output<typeof listHealthChecksQuerySchema>) {
    return this.rpc.request(InventoryHealthCheck.list, query);
  }

  @Get('summary')
  @Endpoint({ ...read, summary: 'Health checks counted by status', response: healthSummarySchema })
  summary() {
    return this.rpc.request(InventoryHealthCheck.summary, {});
  }

  @Get(':id')
  @Endpoint({ ...read, summary: 'Get a health check', response: healthCheckSchema, errors: [404] })
  get(@Param('id') id: string) {
    return this.rpc.request(InventoryHealthCheck.get, { id: idParam(id) });
  }

  @Get(':id/history')
  @Endpoint({
    ...read,
    summary: 'A health check’s probe results, newest first (kept 30 days)',
    query: healthHistoryQuerySchema,
    response: pageSchema(healthCheckResultSchema),
    errors: [404],
  })
  history(@Param('id') id: string, @Query() query: z.output<typeof healthHistoryQuerySchema>) {
    return this.rpc.request(InventoryHealthCheck.history, { id: idParam(id), ...query });
  }

  @Patch(':id')
  @Endpoint({
    ...write,
    summary: 'Change a health check (only the fields given)',
    action: 'health_check.update',
    body: updateHealthCheckBodySchema,
    response: healthCheckSchema,
    errors: [404, 409],
  })
  update(@Param('id') id: string, @Body() body: z.output<typeof updateHealthCheckBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryHealthCheck.update, { actor: actorOf(req.principal!), id: idParam(id), body });
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({ ...write, summary: 'Delete a health check and its history', action: 'health_check.delete', status: 204, errors: [404] })
  async remove(@Param('id') id: string, @Req() req: GatewayRequest): Promise<void> {
    await this.rpc.request(InventoryHealthCheck.delete, { actor: actorOf(req.principal!), id: idParam(id) });
  }

  @Post(':id/check')
  @HttpCode(200)
  @Endpoint({
    ...write,
    summary: 'Probe a health check now (enabled or not); the result is recorded like a scheduled probe',
    action: 'health_check.check',
    response: z.object({ check: healthCheckSchema, result: healthCheckResultSchema }),
    errors: [404],
  })
  check(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryHealthCheck.checkNow, { actor: actorOf(req.principal!), id: idParam(id) }, { timeoutMs: 65000 });
  }
}
