import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyService } from './auth/api-key.service';
import { CertificatesController } from './certificates/certificates.controller';
import { IssuersController } from './issuers/issuers.controller';
import { VersionController } from './system/version.controller';

export function gatewayModule(config: GatewayConfig) {
  @Module({
    imports: [
      platformModule('gateway', { database: PrismaService, nats: RpcClient }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      MessagingModule.forRoot({ servers: config.NATS_URL, service: 'gateway', timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS }),
    ],
    controllers: [CertificatesController, IssuersController, VersionController],
    providers: [{ provide: GATEWAY_CONFIG, useValue: config }, ApiKeyService, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  })
  class GatewayModule {}
  return GatewayModule;
}
