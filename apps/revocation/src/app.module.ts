import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import type { RevocationConfig } from './config';

export function revocationModule(config: RevocationConfig) {
  @Module({
    imports: [
      platformModule('revocation', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot({ redisUrl: config.REDIS_URL }),
      MessagingModule.forRoot({ servers: config.NATS_URL, service: 'revocation', timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS }),
    ],
  })
  class RevocationModule {}
  return RevocationModule;
}
