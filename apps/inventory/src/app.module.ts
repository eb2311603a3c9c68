import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import { INVENTORY_CONFIG, type InventoryConfig } from './config';
import { CertificateRevocationHandler, CertificateRevocationService } from './certificates/certificate-revocation.handler';
import { CertificateHandler } from './certificates/certificate.handler';
import { CertificateService } from './certificates/certificate.service';
import { JobHandler } from './jobs/job.handler';
import { JobApprovalService } from './jobs/job-approval.service';
import { JobService } from './jobs/job.service';

export function inventoryModule(config: InventoryConfig) {
  @Module({
    imports: [
      platformModule('inventory', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot({ redisUrl: config.REDIS_URL }),
      MessagingModule.forRoot({ servers: config.NATS_URL, service: 'inventory', timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS }),
    ],
    controllers: [CertificateHandler, CertificateRevocationHandler, JobHandler],
    providers: [
      { provide: INVENTORY_CONFIG, useValue: config },
      CertificateService,
      CertificateRevocationService,
      JobService,
      JobApprovalService,
    ],
  })
  class InventoryModule {}
  return InventoryModule;
}
