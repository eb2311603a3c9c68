import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, OutboxModule, RpcClient, busAuthFromEnv } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import { INVENTORY_CONFIG, type InventoryConfig, inventoryQueueOptions } from './config';
import { AcmeIssueHandler } from './acme/acme-issue.handler';
import { AcmeIssueRepository } from './acme/acme-issue.repository';
import { AcmeIssueService } from './acme/acme-issue.service';
import { AgentHandler } from './agents/agent.handler';
import { AgentRepository } from './agents/agent.repository';
import { AgentService } from './agents/agent.service';
import { CertificateLifecycleHandler } from './certificates/certificate-lifecycle.handler';
import { CertificateLifecycleRepository } from './certificates/certificate-lifecycle.repository';
import { CertificateLifecycleService } from './certificates/certificate-lifecycle.service';
import { CertificateRevocationHandler } from './certificates/certificate-revocation.handler';
import { CertificateRevocationService } from './certificates/certificate-revocation.service';
import { CertificateRepository } from './certificates/certificate.repository';
import { CertificateImportHandler } from './certificates/certificate-import.handler';
import { CertificateImportRepository } from './certificates/certificate-import.repository';
import { CertificateImportService } from './certificates/certificate-import.service';
import { CertificateHandler } from './certificates/certificate.handler';
import { CertificateService } from './certificates/certificate.service';
import { HealthCheckHandler } from './health-checks/health-check.handler';
import { HealthCheckRepository } from './health-checks/health-check.repository';
import { HealthCheckService } from './health-checks/health-check.service';
import { JobHandler } from './jobs/job.handler';
import { JobReaperRepository } from './jobs/job-reaper.repository';
import { JobReaper } from './jobs/job-reaper.service';
import { CONFIG_HANDLERS } from './config-resources/config-resource.handlers';
import { ConfigResourceRepository } from './config-resources/config-resource.repository';
import { ConfigResourceService } from './config-resources/config-resource.service';
import { JobApprovalService } from './jobs/job-approval.service';
import { JobRepository } from './jobs/job.repository';
import { JobService } from './jobs/job.service';
import { JobCancelHandler } from './jobs/job-cancel.handler';
import { JobCancelService } from './jobs/job-cancel.service';
import { JobRetryHandler } from './jobs/job-retry.handler';
import { JobRetryService } from './jobs/job-retry.service';
import { RenewalHandler } from './renewals/renewal.handler';
import { DigestHandler } from './renewals/digest.handler';
import { DISCOVERY_HANDLERS, DISCOVERY_PROVIDERS } from './discovery/discovery.parts';
import { REISSUANCE_HANDLERS, REISSUANCE_PROVIDERS } from './reissuance/reissuance.parts';
import { ENROLLMENT_HANDLERS, ENROLLMENT_PROVIDERS, MANAGED_ISSUE_PROVIDERS } from './enrollment/enrollment.parts';
import { DigestRepository } from './renewals/digest.repository';
import { DigestItemsService } from './renewals/digest.service';
import { MaintenanceRepository } from './renewals/maintenance.repository';
import { MaintenanceService } from './renewals/maintenance.service';
import { RenewalRepository } from './renewals/renewal.repository';
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
      OutboxModule,
    ],
    controllers: [
      CertificateHandler,
      CertificateImportHandler,
      CertificateLifecycleHandler,
      CertificateRevocationHandler,
      JobHandler,
      JobRetryHandler,
      JobCancelHandler,
      AgentHandler,
      RenewalHandler,
      AcmeIssueHandler,
      DigestHandler,
      HealthCheckHandler,
      ...CONFIG_HANDLERS,
      ...DISCOVERY_HANDLERS,
      ...REISSUANCE_HANDLERS,
      ...ENROLLMENT_HANDLERS,
    ],
    providers: [
      { provide: INVENTORY_CONFIG, useValue: config },
      AcmeIssueRepository,
      AgentRepository,
      CertificateRepository,
      CertificateLifecycleRepository,
      ConfigResourceRepository,
      DigestRepository,
      JobRepository,
      JobReaperRepository,
      MaintenanceRepository,
      RenewalRepository,
      CertificateService,
      CertificateImportService,
      CertificateImportRepository,
      CertificateRevocationService,
      JobService,
      JobApprovalService,
      JobRetryService,
      JobCancelService,
      ConfigResourceService,
      CertificateLifecycleService,
      AgentService,
      JobReaper,
      RenewalService,
      MaintenanceService,
      AcmeIssueService,
      DigestItemsService,
      HealthCheckRepository,
      HealthCheckService,
      ...DISCOVERY_PROVIDERS,
      ...REISSUANCE_PROVIDERS,
      ...MANAGED_ISSUE_PROVIDERS,
      ...ENROLLMENT_PROVIDERS,
    ],
  })
  class InventoryModule {}
  return InventoryModule;
}
