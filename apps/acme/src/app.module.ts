import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import type { AcmeConfig } from './config';

export function acmeModule(config: AcmeConfig) {
  @Module({
    imports: [
      platformModule('acme', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot({ redisUrl: config.REDIS_URL }),
      MessagingModule.forRoot({ servers: config.NATS_URL, service: 'acme', timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS }),
    ],
  })
  class AcmeModule {}
  return AcmeModule;
}
