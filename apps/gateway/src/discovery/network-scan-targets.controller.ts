import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import {
  InventoryNetworkScan,
  Permission,
  createNetworkScanTargetSchema,
  networkScanTargetSchema,
  updateNetworkScanTargetSchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { listQuerySchema, pageSchema } from '../http/pagination';
import { idParam } from '../http/params';

const common = { tag: 'network-scan-targets', resource: 'network_scan_target' } as const;
const read = { ...common, permission: Permission.InventoryRead } as const;
const write = { ...common, permission: Permission.InventoryWrite } as const;

/** Address ranges the scheduler scans for TLS servers; every range must be inside CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS. */
@Controller('api/v1/network-scan-targets')
export class NetworkScanTargetsController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @HttpCode(201)
  @Endpoint({
    ...write,
    summary: 'Create a network scan target (422 when a range is over 4096 addresses or outside CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS)',
    action: 'network_scan_target.create',
    body: createNetworkScanTargetSchema,
    response: networkScanTargetSchema,
    status: 201,
    errors: [409],
  })
  async create(
    @Body() body: z.output<typeof createNetworkScanTargetSchema>,
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const out = await this.rpc.request(InventoryNetworkScan.create, { actor: actorOf(req.principal!), body });
    req.auditResourceId = out.id;
    void reply.header('location', `/api/v1/network-scan-targets/${out.id}`);
    return out;
  }

  @Get()
  @Endpoint({ ...read, summary: 'List network scan targets', query: listQuerySchema, response: pageSchema(networkScanTargetSchema) })
  list(@Query() query: z.output<typeof listQuerySchema>) {
    return this.rpc.request(InventoryNetworkScan.list, query);
  }

  @Get(':id')
  @Endpoint({ ...read, summary: 'Get a network scan target with its last result', response: networkScanTargetSchema, errors: [404] })
  get(@Param('id') id: string) {
    return this.rpc.request(InventoryNetworkScan.get, { id: idParam(id) });
  }

  @Patch(':id')
  @Endpoint({
    ...write,
    summary: 'Change a network scan target (only the fields given; ranges checked as at creation)',
    action: 'network_scan_target.update',
    body: updateNetworkScanTargetSchema,
    response: networkScanTargetSchema,
    errors: [404, 409],
  })
  update(@Param('id') id: string, @Body() body: z.output<typeof updateNetworkScanTargetSchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryNetworkScan.update, { actor: actorOf(req.principal!), id: idParam(id), body });
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({ ...write, summary: 'Delete a network scan target', action: 'network_scan_target.delete', status: 204, errors: [404] })
  async remove(@Param('id') id: string, @Req() req: GatewayRequest): Promise<void> {
    await this.rpc.request(InventoryNetworkScan.delete, { actor: actorOf(req.principal!), id: idParam(id) });
  }

  @Post(':id/run')
  @HttpCode(202)
  @Endpoint({
    ...write,
    summary: 'Run the scan now (the scheduler’s next network-scan pass takes it; ranges re-checked against the allow-list)',
    action: 'network_scan_target.run',
    response: networkScanTargetSchema,
    status: 202,
    errors: [404],
  })
  run(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryNetworkScan.run, { actor: actorOf(req.principal!), id: idParam(id) });
  }
}
