import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { NotificationRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { ChannelService } from '../routing/channel.service';
import { NotificationService } from './notification.service';

@Controller()
export class NotificationHandler {
  constructor(
    private readonly notifications: NotificationService,
    private readonly channels: ChannelService,
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

  @RpcHandler(NotificationRpc.ruleCreate)
  createRule(@Payload() req: RpcRequestParsed<typeof NotificationRpc.ruleCreate>) {
    return this.channels.createRule(req);
  }

  @RpcHandler(NotificationRpc.ruleList)
  listRules() {
    return this.channels.listRules();
  }
}
