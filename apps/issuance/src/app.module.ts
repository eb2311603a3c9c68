import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient, busAuthFromEnv } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import { CaOrderPoller } from './ca-orders/ca-order.poller';
import { CaOrderRepository } from './ca-orders/ca-order.repository';
import { ISSUANCE_CONFIG, type IssuanceConfig } from './config';
import { connectorProviders } from './connectors';
import { IssuerHandler } from './issuers/issuer.handler';
import { IssuerHierarchyService } from './issuers/issuer-hierarchy.service';
import { IssuerImportHandler } from './issuers/issuer-import.handler';
import { IssuerImportService } from './issuers/issuer-import.service';
import { IssuerRepository } from './issuers/issuer.repository';
import { IssuerService } from './issuers/issuer.service';
import { RevocationSigningHandler } from './issuers/revocation-signing.handler';
import { ScepRaHandler } from './issuers/scep-ra.handler';
import { ServerCertificateHandler } from './issuers/server-certificate.handler';
import { IssuanceProcessor } from './issuing/issuance.processor';
import { IssuedCertificateRepository } from './issuing/issued-certificate.repository';
import { PrivateKeyExportService } from './issuing/private-key-export.service';
import { PrivateKeyImportService } from './issuing/private-key-import.service';
import { PrivateKeyHandler } from './issuing/private-key.handler';

export function issuanceModule(config: IssuanceConfig) {
  @Module({
    imports: [
      platformModule('issuance', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      // Issuance only consumes its queue: the retry policy is set by inventory, which adds the jobs.
      QueueModule.forRoot({ redisUrl: config.REDIS_URL }),
      MessagingModule.forRoot({
        servers: config.NATS_URL,
        service: 'issuance',
        timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS,
        ...busAuthFromEnv(config),
      }),
    ],
    controllers: [IssuerHandler, IssuerImportHandler, RevocationSigningHandler, ServerCertificateHandler, ScepRaHandler, PrivateKeyHandler],
    providers: [
      { provide: ISSUANCE_CONFIG, useValue: config },
      IssuerRepository,
      IssuedCertificateRepository,
      IssuerService,
      IssuerHierarchyService,
      IssuerImportService,
      ...connectorProviders,
      IssuanceProcessor,
      CaOrderRepository,
      CaOrderPoller,
      PrivateKeyExportService,
      PrivateKeyImportService,
    ],
  })
  class IssuanceModule {}
  return IssuanceModule;
}
