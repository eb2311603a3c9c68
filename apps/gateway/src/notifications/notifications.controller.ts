import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { z } from 'zod';
import {
  NotificationRpc,
  Permission,
  channelSchema,
  createChannelBodySchema,
  createRuleBodySchema,
  listChannelsResponseSchema,
  listNotificationsRequestSchema,
  listNotificationsResponseSchema,
  listRulesResponseSchema,
  notificationSchema,
  ruleSchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';

@Controller('api/v1/notifications')
export class NotificationsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Endpoint({
    permission: Permission.NotificationsRead,
    tag: 'notifications',
    summary: 'List notifications, newest first (filter by status, e.g. dead)',
    query: listNotificationsRequestSchema,
    response: listNotificationsResponseSchema,
  })
  list(@Query() query: z.output<typeof listNotificationsRequestSchema>) {
    return this.rpc.request(NotificationRpc.list, query);
  }

  @Get(':id')
  @Endpoint({
    permission: Permission.NotificationsRead,
    tag: 'notifications',
    summary: 'Get a notification',
    response: notificationSchema,
    errors: [404],
  })
  get(@Param('id') id: string) {
    return this.rpc.request(NotificationRpc.get, { id: idParam(id) });
  }

  @Post(':id/requeue')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.NotificationsManage,
    tag: 'notifications',
    summary: 'Requeue a dead notification: resets its retry count, clears its error, redelivers it',
    action: 'notification.requeue',
    resource: 'notification',
    response: notificationSchema,
    errors: [404, 409],
  })
  requeue(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(NotificationRpc.requeue, { id: idParam(id), actor: actorOf(req.principal!) });
  }
}

/** Channel and routing configuration: admin only (inventory:write). Channel secrets are write-only. */
@Controller('api/v1/notification-channels')
export class NotificationChannelsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Endpoint({
    permission: Permission.NotificationsRead,
    tag: 'notifications',
    summary: 'List notification channels (secrets never returned)',
    response: listChannelsResponseSchema,
  })
  list() {
    return this.rpc.request(NotificationRpc.channelList, {});
  }

  @Post()
  @HttpCode(201)
  @Endpoint({
    permission: Permission.NotificationsWrite,
    tag: 'notifications',
    summary: 'Create a notification channel (webhook, email, slack, teams, pagerduty, opsgenie); the secret is stored encrypted',
    action: 'notification_channel.create',
    resource: 'notification_channel',
    // The body carries the channel's secret and URL: its audit row keeps no hash of it.
    secretBody: true,
    body: createChannelBodySchema,
    response: channelSchema,
    status: 201,
    errors: [409],
  })
  create(@Body() channel: z.output<typeof createChannelBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(NotificationRpc.channelCreate, { actor: actorOf(req.principal!), channel });
  }
}

@Controller('api/v1/notification-rules')
export class NotificationRulesController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Endpoint({
    permission: Permission.NotificationsRead,
    tag: 'notifications',
    summary: 'List notification routing rules',
    response: listRulesResponseSchema,
  })
  list() {
    return this.rpc.request(NotificationRpc.ruleList, {});
  }

  @Post()
  @HttpCode(201)
  @Endpoint({
    permission: Permission.NotificationsWrite,
    tag: 'notifications',
    summary: 'Create a routing rule: which events (by renewal policy, team or owner) reach which channels at which severity',
    action: 'notification_rule.create',
    resource: 'notification_rule',
    body: createRuleBodySchema,
    response: ruleSchema,
    status: 201,
  })
  create(@Body() rule: z.output<typeof createRuleBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(NotificationRpc.ruleCreate, { actor: actorOf(req.principal!), rule });
  }
}
