import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DatabaseModule, PrismaService } from '@certctl/database';
import { MessagingModule, RpcClient, busAuthFromEnv } from '@certctl/messaging';
import { platformModule } from '@certctl/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { AgentEnrolment } from './agents/agent-enrolment';
import { AgentLiveness } from './agents/agent-liveness';
import { PublicResponseCache } from './http/public-cache';
import { BootstrapTokensRepository } from './agents/bootstrap-tokens.repository';
import { BootstrapTokensService } from './agents/bootstrap-tokens.service';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuditEventsHandler } from './audit/audit-events.handler';
import { AuditRepository } from './audit/audit.repository';
import { AuditWriter } from './audit/audit.writer';
import { AuthGuard } from './auth/auth.guard';
import { GATEWAY_CONTROLLERS } from './controllers';
import { assertEveryRouteDeclared, describeRoutes } from './http/endpoint';
import { RateLimiter } from './http/rate-limiter';
import { EnrollmentIssuer } from './enrollment/enrollment-issuer';
import { SCEP_PROVIDERS } from './scep/scep.providers';
import { ReadinessService } from './system/readiness.service';

export function gatewayModule(config: GatewayConfig) {
  // Nothing is open by accident: a route without a declared permission stops the start.
  assertEveryRouteDeclared(describeRoutes(GATEWAY_CONTROLLERS));

  @Module({
    imports: [
      // /metrics is not on the public listeners: see http/metrics-listener.ts.
      platformModule('gateway', { database: PrismaService, redis: RateLimiter, nats: RpcClient }, { metricsRoute: false }),
      DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.CERTCTL_DATABASE_POOL_SIZE }),
      MessagingModule.forRoot({
        servers: config.NATS_URL,
        service: 'gateway',
        timeoutMs: config.CERTCTL_NATS_TIMEOUT_MS,
        ...busAuthFromEnv(config),
      }),
    ],
    controllers: [...GATEWAY_CONTROLLERS],
    providers: [
      // The audit rows other services publish into the events stream (no HTTP route).
      AuditEventsHandler,
      { provide: GATEWAY_CONFIG, useValue: config },
      ApiKeysRepository,
      ApiKeysService,
      AuditRepository,
      RateLimiter,
      AuditWriter,
      AgentLiveness,
      PublicResponseCache,
      AgentEnrolment,
      BootstrapTokensRepository,
      BootstrapTokensService,
      EnrollmentIssuer,
      ReadinessService,
      ...SCEP_PROVIDERS,
      { provide: APP_GUARD, useClass: AuthGuard },
    ],
  })
  class GatewayModule {}
  return GatewayModule;
}
