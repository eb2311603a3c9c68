import { AcmeIssueHandler, AcmeIssueService } from './acme/acme-issue.handler';
import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient, busAuthFromEnv } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import { INVENTORY_CONFIG, type InventoryConfig, inventoryQueueOptions } from './config';
import { AgentHandler } from './agents/agent.handler';
import { AgentService } from './agents/agent.service';
import { CertificateLifecycleHandler } from './certificates/certificate-lifecycle.handler';
import { CertificateLifecycleService } from './certificates/certificate-lifecycle.service';
import { CertificateRevocationHandler, CertificateRevocationService } from './certificates/certificate-revocation.handler';
import { CertificateHandler } from './certificates/certificate.handler';
import { CertificateService } from './certificates/certificate.service';
import { JobHandler } from './jobs/job.handler';
import { JobReaper } from './jobs/job-reaper';
import { CONFIG_HANDLERS } from './config-resources/config-resource.handlers';
import { ConfigResourceService } from './config-resources/config-resource.service';
import { JobApprovalService } from './jobs/job-approval.service';
import { JobService } from './jobs/job.service';
import { JobRetryHandler, JobRetryService } from './jobs/job-retry';
import { RenewalHandler } from './renewals/renewal.handler';
import { DigestHandler, DigestItemsService } from './renewals/digest.handler';
import { MaintenanceService } from './renewals/maintenance.service';
import { RenewalService } from './renewals/renewal.service';

export function inventoryModule(config: InventoryConfig) {
  @Module({
    imports: [
      platformModule('inventory', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot(inventoryQueueOptions(config)),
      MessagingModule.forRoot({
        servers: config.NATS_URL,
        service: 'inventory',
        timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS,
        ...busAuthFromEnv(config),
      }),
    ],
    controllers: [
      CertificateHandler,
      CertificateLifecycleHandler,
      CertificateRevocationHandler,
      JobHandler,
      JobRetryHandler,
      AgentHandler,
      RenewalHandler,
      AcmeIssueHandler,
      DigestHandler,
      ...CONFIG_HANDLERS,
    ],
    providers: [
      { provide: INVENTORY_CONFIG, useValue: config },
      CertificateService,
      CertificateRevocationService,
      JobService,
      JobApprovalService,
      JobRetryService,
      ConfigResourceService,
      CertificateLifecycleService,
      AgentService,
      JobReaper,
      RenewalService,
      MaintenanceService,
      AcmeIssueService,
      DigestItemsService,
    ],
  })
  class InventoryModule {}
  return InventoryModule;
}
