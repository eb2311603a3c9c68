import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { z } from 'zod';
import {
  InventoryReissuance,
  Permission,
  campaignItemSchema,
  campaignSchema,
  capacityPlanSchema,
  capacityQuerySchema,
  createCampaignBodySchema,
  createCampaignResponseSchema,
  listCampaignItemsQuerySchema,
  listCampaignItemsResponseSchema,
  listCampaignsQuerySchema,
  listCampaignsResponseSchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';

const TAG = 'reissuance';

/** Emergency fleet re-issuance campaigns (docs/fleet-reissuance.md): admin starts and steers them, viewers watch. */
@Controller('api/v1/reissuance-campaigns')
export class ReissuanceController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @HttpCode(201)
  @Endpoint({
    permission: Permission.FleetReissue,
    tag: TAG,
    summary:
      'Start a re-issuance campaign over the certificates selected by issuer (with every issuer under it), key algorithm/size, profile or ids; dry_run answers what would happen and writes nothing',
    action: 'reissuance.create',
    resource: 'reissuance_campaign',
    body: createCampaignBodySchema,
    response: createCampaignResponseSchema,
    status: 201,
    errors: [422],
  })
  create(@Body() body: z.output<typeof createCampaignBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryReissuance.create, { actor: actorOf(req.principal!), body }, { timeoutMs: 120000 });
  }

  @Get()
  @Endpoint({
    permission: Permission.JobsRead,
    tag: TAG,
    summary: 'List re-issuance campaigns, newest first, with their progress',
    query: listCampaignsQuerySchema,
    response: listCampaignsResponseSchema,
  })
  list(@Query() query: z.output<typeof listCampaignsQuerySchema>) {
    return this.rpc.request(InventoryReissuance.list, query);
  }

  @Get(':id')
  @Endpoint({
    permission: Permission.JobsRead,
    tag: TAG,
    summary: 'A re-issuance campaign with its progress (total, done, failed, remaining, rate, ETA)',
    response: campaignSchema,
    errors: [404],
  })
  get(@Param('id') id: string) {
    return this.rpc.request(InventoryReissuance.get, { id: idParam(id) });
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.FleetReissue,
    tag: TAG,
    summary: 'Pause a running campaign: nothing new starts and nothing advances until it is resumed',
    action: 'reissuance.pause',
    resource: 'reissuance_campaign',
    response: campaignSchema,
    errors: [404, 409],
  })
  pause(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryReissuance.act, { actor: actorOf(req.principal!), id: idParam(id), action: 'pause' });
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.FleetReissue,
    tag: TAG,
    summary: 'Resume a paused campaign',
    action: 'reissuance.resume',
    resource: 'reissuance_campaign',
    response: campaignSchema,
    errors: [404, 409],
  })
  resume(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryReissuance.act, { actor: actorOf(req.principal!), id: idParam(id), action: 'resume' });
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.FleetReissue,
    tag: TAG,
    summary:
      'Cancel a campaign: its open items are cancelled (renewal jobs already created finish as ordinary renewals; nothing more is revoked)',
    action: 'reissuance.cancel',
    resource: 'reissuance_campaign',
    response: campaignSchema,
    errors: [404, 409],
  })
  cancel(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryReissuance.act, { actor: actorOf(req.principal!), id: idParam(id), action: 'cancel' });
  }

  @Get(':id/items')
  @Endpoint({
    permission: Permission.JobsRead,
    tag: TAG,
    summary: "A campaign's certificates and how far each got (status=failed lists the failures with their error)",
    query: listCampaignItemsQuerySchema,
    response: listCampaignItemsResponseSchema,
    errors: [404],
  })
  items(@Param('id') id: string, @Query() query: z.output<typeof listCampaignItemsQuerySchema>) {
    return this.rpc.request(InventoryReissuance.items, { ...query, id: idParam(id) });
  }

  @Post(':id/items/:item/retry')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.FleetReissue,
    tag: TAG,
    summary: 'Retry a failed item from where it failed (a new renewal when no replacement was issued); 409 unless failed',
    action: 'reissuance.item.retry',
    resource: 'reissuance_campaign',
    response: campaignItemSchema,
    errors: [404, 409],
  })
  retry(@Param('id') id: string, @Param('item') item: string, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryReissuance.retryItem, {
      actor: actorOf(req.principal!),
      id: idParam(id),
      item_id: idParam(item, 'item'),
    });
  }
}

/** The capacity planner (docs/capacity.md). */
@Controller('api/v1/capacity')
export class CapacityController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Endpoint({
    permission: Permission.InventoryRead,
    tag: TAG,
    summary:
      'Renewals per day and busiest hour now and under the CA/Browser Forum lifetimes (200, 100, 47 days), against the measured or configured issuance capacity, and how long a mass re-issuance takes',
    query: capacityQuerySchema,
    response: capacityPlanSchema,
  })
  plan(@Query() query: z.output<typeof capacityQuerySchema>) {
    return this.rpc.request(InventoryReissuance.capacity, query, { timeoutMs: 30000 });
  }
}
