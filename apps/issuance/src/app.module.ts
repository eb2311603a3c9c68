import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import { ISSUANCE_CONFIG, type IssuanceConfig } from './config';
import { IssuerHandler } from './issuers/issuer.handler';
import { IssuerService } from './issuers/issuer.service';
import { RevocationSigningHandler } from './issuers/revocation-signing.handler';
import { IssuanceProcessor } from './issuing/issuance.processor';

export function issuanceModule(config: IssuanceConfig) {
  @Module({
    imports: [
      platformModule('issuance', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot({
        redisUrl: config.REDIS_URL,
        attempts: config.CERTCTL_ISSUANCE_ATTEMPTS,
        backoffMs: config.CERTCTL_ISSUANCE_BACKOFF_MS,
      }),
      MessagingModule.forRoot({ servers: config.NATS_URL, service: 'issuance', timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS }),
    ],
    controllers: [IssuerHandler, RevocationSigningHandler],
    providers: [{ provide: ISSUANCE_CONFIG, useValue: config }, IssuerService, IssuanceProcessor],
  })
  class IssuanceModule {}
  return IssuanceModule;
}
