import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { z } from 'zod';
import {
  NotificationRpc,
  NotificationsChannel,
  NotificationsRule,
  Permission,
  channelSchema,
  channelTestResultSchema,
  createChannelBodySchema,
  createRuleBodySchema,
  listChannelsResponseSchema,
  listNotificationsRequestSchema,
  listNotificationsResponseSchema,
  listRulesResponseSchema,
  notificationSchema,
  ruleSchema,
  updateChannelBodySchema,
  updateRuleBodySchema,
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

/** Channel and routing configuration: changed with notifications:write (admin), read with notifications:read. Channel secrets are write-only. */
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

  @Get(':id')
  @Endpoint({
    permission: Permission.NotificationsRead,
    tag: 'notifications',
    summary: 'Get a notification channel (URL masked, secret never returned)',
    response: channelSchema,
    errors: [404],
  })
  get(@Param('id') id: string) {
    return this.rpc.request(NotificationsChannel.get, { id: idParam(id) });
  }

  @Patch(':id')
  @Endpoint({
    permission: Permission.NotificationsWrite,
    tag: 'notifications',
    summary:
      'Change a channel (only the fields given; config keys given replace the stored ones; secret: null removes it; enabled: false stops deliveries); same checks as create',
    action: 'notification_channel.update',
    resource: 'notification_channel',
    secretBody: true,
    body: updateChannelBodySchema,
    response: channelSchema,
    errors: [404, 409],
  })
  update(@Param('id') id: string, @Body() changes: z.output<typeof updateChannelBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(NotificationsChannel.update, { actor: actorOf(req.principal!), id: idParam(id), changes });
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({
    permission: Permission.NotificationsWrite,
    tag: 'notifications',
    summary: 'Delete a channel (409 naming the routing rules that still use it)',
    action: 'notification_channel.delete',
    resource: 'notification_channel',
    status: 204,
    errors: [404, 409],
  })
  async remove(@Param('id') id: string, @Req() req: GatewayRequest): Promise<void> {
    await this.rpc.request(NotificationsChannel.delete, { actor: actorOf(req.principal!), id: idParam(id) });
  }

  @Post(':id/test')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.NotificationsWrite,
    tag: 'notifications',
    summary: 'Send a test message through the channel now (enabled or not) and answer the outcome; stores no notification',
    action: 'notification_channel.test',
    resource: 'notification_channel',
    response: channelTestResultSchema,
    errors: [404],
  })
  test(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(NotificationsChannel.test, { actor: actorOf(req.principal!), id: idParam(id) });
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

  @Get(':id')
  @Endpoint({
    permission: Permission.NotificationsRead,
    tag: 'notifications',
    summary: 'Get a notification routing rule',
    response: ruleSchema,
    errors: [404],
  })
  get(@Param('id') id: string) {
    return this.rpc.request(NotificationsRule.get, { id: idParam(id) });
  }

  @Patch(':id')
  @Endpoint({
    permission: Permission.NotificationsWrite,
    tag: 'notifications',
    summary: 'Change a routing rule (only the fields given; a selector set to null is cleared; enabled: false stops it routing)',
    action: 'notification_rule.update',
    resource: 'notification_rule',
    body: updateRuleBodySchema,
    response: ruleSchema,
    errors: [404, 409],
  })
  update(@Param('id') id: string, @Body() changes: z.output<typeof updateRuleBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(NotificationsRule.update, { actor: actorOf(req.principal!), id: idParam(id), changes });
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({
    permission: Permission.NotificationsWrite,
    tag: 'notifications',
    summary: 'Delete a routing rule',
    action: 'notification_rule.delete',
    resource: 'notification_rule',
    status: 204,
    errors: [404],
  })
  async remove(@Param('id') id: string, @Req() req: GatewayRequest): Promise<void> {
    await this.rpc.request(NotificationsRule.delete, { actor: actorOf(req.principal!), id: idParam(id) });
  }
}
