import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import type { NotificationsConfig } from './config';

export function notificationsModule(config: NotificationsConfig) {
  @Module({
    imports: [
      platformModule('notifications', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot({ redisUrl: config.REDIS_URL }),
      MessagingModule.forRoot({ servers: config.NATS_URL, service: 'notifications', timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS }),
    ],
  })
  class NotificationsModule {}
  return NotificationsModule;
}
