import { Module } from '@nestjs/common';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient, busAuthFromEnv } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { QueueModule, QueueService } from '@certctl/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from './config';
import { LeaseRepository } from './loops/lease.repository';
import { LeaseService } from './loops/lease.service';
import { LoopsService } from './loops/loops.service';
import { RenewalScanService } from './renewal/renewal-scan.service';
import { DigestRepository } from './digest/digest.repository';
import { DigestService } from './digest/digest.service';
import { HealthProbeService } from './health/health-probe.service';
import { NetworkScanService } from './network-scan/network-scan.service';

export function schedulerModule(config: SchedulerConfig) {
  @Module({
    imports: [
      platformModule('scheduler', { database: PrismaService, redis: QueueService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      QueueModule.forRoot({ redisUrl: config.REDIS_URL }),
      MessagingModule.forRoot({
        servers: config.NATS_URL,
        service: 'scheduler',
        timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS,
        ...busAuthFromEnv(config),
      }),
    ],
    providers: [
      { provide: SCHEDULER_CONFIG, useValue: config },
      LeaseRepository,
      LeaseService,
      RenewalScanService,
      DigestRepository,
      DigestService,
      HealthProbeService,
      NetworkScanService,
      LoopsService,
    ],
  })
  class SchedulerModule {}
  return SchedulerModule;
}
