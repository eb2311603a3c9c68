import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, OutboxModule, RpcClient, busAuthFromEnv } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import { BulkRevocationHandler } from './bulk/bulk-revocation.handler';
import { BulkRevocationProcessor } from './bulk/bulk-revocation.processor';
import { BulkRevocationRepository } from './bulk/bulk-revocation.repository';
import { BulkRevocationService } from './bulk/bulk-revocation.service';
import { REVOCATION_CONFIG, type RevocationConfig } from './config';
import { CrlEntryStaging } from './crl/crl-entry-staging';
import { CrlRepository } from './crl/crl.repository';
import { CrlService } from './crl/crl.service';
import { IssuerCache } from './issuers/issuer-cache';
import { FreshnessMetrics } from './metrics/freshness-metrics';
import { OcspCache } from './ocsp/ocsp-cache';
import { OcspResponderRepository } from './ocsp/ocsp-responder.repository';
import { OcspResponderService } from './ocsp/ocsp-responder.service';
import { OcspService } from './ocsp/ocsp.service';
import { RevocationConfigService } from './revocations/revocation-config.service';
import { RevocationHandler } from './revocations/revocation.handler';
import { RevocationRepository } from './revocations/revocation.repository';
import { RevocationService } from './revocations/revocation.service';

export function revocationModule(config: RevocationConfig) {
  @Module({
    imports: [
      platformModule('revocation', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot({ redisUrl: config.REDIS_URL }),
      MessagingModule.forRoot({
        servers: config.NATS_URL,
        service: 'revocation',
        timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS,
        ...busAuthFromEnv(config),
      }),
      OutboxModule,
    ],
    controllers: [RevocationHandler, BulkRevocationHandler],
    providers: [
      { provide: REVOCATION_CONFIG, useValue: config },
      RevocationConfigService,
      RevocationRepository,
      CrlRepository,
      OcspResponderRepository,
      BulkRevocationRepository,
      FreshnessMetrics,
      IssuerCache,
      OcspCache,
      OcspResponderService,
      OcspService,
      CrlEntryStaging,
      CrlService,
      RevocationService,
      BulkRevocationService,
      BulkRevocationProcessor,
    ],
  })
  class RevocationModule {}
  return RevocationModule;
}
