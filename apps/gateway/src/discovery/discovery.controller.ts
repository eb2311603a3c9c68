import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { z } from 'zod';
import {
  InventoryDiscovery,
  Permission,
  claimDiscoveredBodySchema,
  discoveredCertificateSchema,
  discoveryReportBodySchema,
  discoveryReportResponseSchema,
  discoverySummarySchema,
  dismissDiscoveredBodySchema,
  listDiscoveredQuerySchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { pageSchema } from '../http/pagination';
import { idParam } from '../http/params';

/** An agent's discovery report (its own route under /agents, with the agent:self rule). */
@Controller('api/v1/agents')
export class AgentDiscoveryController {
  constructor(private readonly rpc: RpcClient) {}

  @Post(':id/discoveries')
  @HttpCode(202)
  @Endpoint({
    permission: Permission.AgentSelf,
    agentParam: 'id',
    tag: 'discovery',
    summary:
      'Report the certificates a filesystem scan found (up to 5,000 entries; the server parses each itself, unparsable entries are answered in `rejected`)',
    action: 'discovery.report',
    resource: 'agent',
    body: discoveryReportBodySchema,
    response: discoveryReportResponseSchema,
    status: 202,
    errors: [404],
  })
  report(@Param('id') id: string, @Body() body: z.output<typeof discoveryReportBodySchema>) {
    return this.rpc.request(InventoryDiscovery.report, { agent_id: idParam(id), body }, { timeoutMs: 60000 });
  }
}

const read = { permission: Permission.InventoryRead, tag: 'discovery' } as const;
const triage = { permission: Permission.CertificatesWrite, tag: 'discovery', resource: 'discovered_certificate' } as const;

/** Discovered certificates: list, summary, and triage (claim or dismiss). */
@Controller('api/v1/discovered-certificates')
export class DiscoveredCertificatesController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Endpoint({
    ...read,
    summary: 'List discovered certificates (filters: status, source, agent_id, expiring_within_days, q)',
    query: listDiscoveredQuerySchema,
    response: pageSchema(discoveredCertificateSchema),
  })
  list(@Query() query: z.output<typeof listDiscoveredQuerySchema>) {
    return this.rpc.request(InventoryDiscovery.list, query);
  }

  @Get('summary')
  @Endpoint({
    ...read,
    summary: 'Counts of discovered certificates by status and source, and those expiring within 30 days',
    response: discoverySummarySchema,
  })
  summary() {
    return this.rpc.request(InventoryDiscovery.summary, {});
  }

  @Get(':id')
  @Endpoint({ ...read, summary: 'Get a discovered certificate', response: discoveredCertificateSchema, errors: [404] })
  get(@Param('id') id: string) {
    return this.rpc.request(InventoryDiscovery.get, { id: idParam(id) });
  }

  @Post(':id/claim')
  @HttpCode(200)
  @Endpoint({
    ...triage,
    summary:
      'Claim: link to a managed certificate (one of its versions must have this fingerprint or public key) or import it as a new managed certificate',
    action: 'discovery.claim',
    body: claimDiscoveredBodySchema,
    response: InventoryDiscovery.claim.response,
    errors: [404, 409],
  })
  claim(@Param('id') id: string, @Body() body: z.output<typeof claimDiscoveredBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryDiscovery.claim, { actor: actorOf(req.principal!), id: idParam(id), body });
  }

  @Post(':id/dismiss')
  @HttpCode(200)
  @Endpoint({
    ...triage,
    summary: 'Dismiss a discovered certificate (not ours to manage); a managed one cannot be dismissed (409)',
    action: 'discovery.dismiss',
    body: dismissDiscoveredBodySchema,
    response: discoveredCertificateSchema,
    errors: [404, 409],
  })
  dismiss(@Param('id') id: string, @Body() body: z.output<typeof dismissDiscoveredBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryDiscovery.dismiss, { actor: actorOf(req.principal!), id: idParam(id), body });
  }
}
