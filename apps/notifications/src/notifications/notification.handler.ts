import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { NotificationRpc, NotificationsChannel, NotificationsRule, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { ChannelTestService } from '../delivery/channel-test.service';
import { ChannelService } from '../routing/channel.service';
import { RuleService } from '../routing/rule.service';
import { NotificationService } from './notification.service';

@Controller()
export class NotificationHandler {
  constructor(
    private readonly notifications: NotificationService,
    private readonly channels: ChannelService,
    private readonly rules: RuleService,
    private readonly channelTests: ChannelTestService,
  ) {}

  @RpcHandler(NotificationRpc.dispatch)
  dispatch(@Payload() req: RpcRequestParsed<typeof NotificationRpc.dispatch>) {
    return this.notifications.dispatch(req);
  }

  @RpcHandler(NotificationRpc.list)
  list(@Payload() req: RpcRequestParsed<typeof NotificationRpc.list>) {
    return this.notifications.list(req);
  }

  @RpcHandler(NotificationRpc.counts)
  counts() {
    return this.notifications.counts();
  }

  @RpcHandler(NotificationRpc.get)
  get(@Payload() req: RpcRequestParsed<typeof NotificationRpc.get>) {
    return this.notifications.get(req.id);
  }

  @RpcHandler(NotificationRpc.requeue)
  requeue(@Payload() req: RpcRequestParsed<typeof NotificationRpc.requeue>) {
    return this.notifications.requeue(req);
  }

  @RpcHandler(NotificationRpc.channelCreate)
  createChannel(@Payload() req: RpcRequestParsed<typeof NotificationRpc.channelCreate>) {
    return this.channels.createChannel(req);
  }

  @RpcHandler(NotificationRpc.channelList)
  listChannels() {
    return this.channels.listChannels();
  }

  @RpcHandler(NotificationsChannel.get)
  getChannel(@Payload() req: RpcRequestParsed<typeof NotificationsChannel.get>) {
    return this.channels.getChannel(req.id);
  }

  @RpcHandler(NotificationsChannel.update)
  updateChannel(@Payload() req: RpcRequestParsed<typeof NotificationsChannel.update>) {
    return this.channels.updateChannel(req);
  }

  @RpcHandler(NotificationsChannel.delete)
  deleteChannel(@Payload() req: RpcRequestParsed<typeof NotificationsChannel.delete>) {
    return this.channels.deleteChannel(req);
  }

  @RpcHandler(NotificationsChannel.test)
  testChannel(@Payload() req: RpcRequestParsed<typeof NotificationsChannel.test>) {
    return this.channelTests.test(req);
  }

  @RpcHandler(NotificationRpc.ruleCreate)
  createRule(@Payload() req: RpcRequestParsed<typeof NotificationRpc.ruleCreate>) {
    return this.rules.createRule(req);
  }

  @RpcHandler(NotificationRpc.ruleList)
  listRules() {
    return this.rules.listRules();
  }

  @RpcHandler(NotificationsRule.get)
  getRule(@Payload() req: RpcRequestParsed<typeof NotificationsRule.get>) {
    return this.rules.getRule(req.id);
  }

  @RpcHandler(NotificationsRule.update)
  updateRule(@Payload() req: RpcRequestParsed<typeof NotificationsRule.update>) {
    return this.rules.updateRule(req);
  }

  @RpcHandler(NotificationsRule.delete)
  deleteRule(@Payload() req: RpcRequestParsed<typeof NotificationsRule.delete>) {
    return this.rules.deleteRule(req);
  }
}
