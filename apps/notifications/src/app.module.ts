import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient, busAuthFromEnv } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from './config';
import { ChannelTestService } from './delivery/channel-test.service';
import { DeliveryProcessor } from './delivery/delivery.processor';
import { NotificationHandler } from './notifications/notification.handler';
import { PlatformEventsHandler } from './notifications/platform-events.handler';
import { NotificationRepository } from './notifications/notification.repository';
import { NotificationService } from './notifications/notification.service';
import { ChannelRepository } from './routing/channel.repository';
import { ChannelService } from './routing/channel.service';
import { RuleRepository } from './routing/rule.repository';
import { RuleService } from './routing/rule.service';

export function notificationsModule(config: NotificationsConfig) {
  @Module({
    imports: [
      platformModule('notifications', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot({ redisUrl: config.REDIS_URL }),
      MessagingModule.forRoot({
        servers: config.NATS_URL,
        service: 'notifications',
        timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS,
        ...busAuthFromEnv(config),
      }),
    ],
    controllers: [NotificationHandler],
    providers: [
      PlatformEventsHandler,
      { provide: NOTIFICATIONS_CONFIG, useValue: config },
      NotificationRepository,
      ChannelRepository,
      RuleRepository,
      NotificationService,
      ChannelService,
      RuleService,
      ChannelTestService,
      DeliveryProcessor,
    ],
  })
  class NotificationsModule {}
  return NotificationsModule;
}
