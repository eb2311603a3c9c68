import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient, busAuthFromEnv } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule } from '@certctl/queue';
import { AcmeAdminHandler } from './accounts/acme-admin.handler';
import { AccountsRepository } from './accounts/accounts.repository';
import { AcmeRedis } from './acme-redis';
import { AcmeAudit } from './http/acme-audit';
import { AccountsService } from './accounts/accounts.service';
import { EabKeysService } from './accounts/eab-keys.service';
import { CertificatesService } from './certificates/certificates.service';
import { ACME_CONFIG, type AcmeConfig } from './config';
import { AuthorizationsRepository } from './orders/authorizations.repository';
import { ChallengesService } from './orders/challenges.service';
import { FinalizeService } from './orders/finalize.service';
import { OrdersRepository } from './orders/orders.repository';
import { OrdersService } from './orders/orders.service';
import { ProfileCache } from './profiles/profile-cache';
import { ProfileSettingsRepository } from './profiles/profile-settings.repository';
import { ProfileSettingsService } from './profiles/profile-settings.service';

export function acmeModule(config: AcmeConfig) {
  @Module({
    imports: [
      platformModule('acme', { database: PrismaService, redis: AcmeRedis, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot({ redisUrl: config.REDIS_URL }),
      MessagingModule.forRoot({
        servers: config.NATS_URL,
        service: 'acme',
        timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS,
        ...busAuthFromEnv(config),
      }),
    ],
    controllers: [AcmeAdminHandler],
    providers: [
      { provide: ACME_CONFIG, useValue: config },
      AcmeRedis,
      ProfileCache,
      ProfileSettingsRepository,
      ProfileSettingsService,
      AccountsRepository,
      OrdersRepository,
      AuthorizationsRepository,
      AccountsService,
      EabKeysService,
      OrdersService,
      ChallengesService,
      FinalizeService,
      CertificatesService,
      AcmeAudit,
    ],
  })
  class AcmeModule {}
  return AcmeModule;
}
