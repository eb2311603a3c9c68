import type { Type } from '@nestjs/common';
import { HealthController } from '@certctl/platform';
import { AcmeAdminController } from './acme/acme-admin.controller';
import { AgentsController } from './agents/agents.controller';
import { AgentBootstrapController, BootstrapTokensController } from './agents/bootstrap-tokens.controller';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { AuditController } from './audit/audit.controller';
import { WhoamiController } from './auth/whoami.controller';
import { CertificateImportController } from './certificates/certificate-import.controller';
import { EnrollmentProfilesController } from './enrollment/enrollment-profiles.controller';
import { ScepChallengesController } from './scep/scep-challenges.controller';
import { CertificatesController, StatsController } from './certificates/certificates.controller';
import { PrivateKeyController } from './certificates/private-key.controller';
import { HealthChecksController } from './health-checks/health-checks.controller';
import { CONFIG_CONTROLLERS } from './inventory/config-resources.controller';
import { AgentDiscoveryController, DiscoveredCertificatesController } from './discovery/discovery.controller';
import { NetworkScanTargetsController } from './discovery/network-scan-targets.controller';
import { IssuerImportController } from './issuers/issuer-import.controller';
import { IssuerTypesController } from './issuers/issuer-types.controller';
import { TargetTypesController } from './inventory/target-types.controller';
import { IssuersController } from './issuers/issuers.controller';
import { JobsController } from './jobs/jobs.controller';
import {
  NotificationChannelsController,
  NotificationRulesController,
  NotificationsController,
} from './notifications/notifications.controller';
import { OpenApiController } from './openapi/openapi.controller';
import { RevocationController } from './revocation/revocation.controller';
import { CapacityController, ReissuanceController } from './reissuance/reissuance.controller';
import { ReadinessController } from './system/readiness.controller';
import { VersionController } from './system/version.controller';

/** The gateway's own controllers: the module, the route check, the OpenAPI document and docs/rbac.md all read this list. */
export const GATEWAY_CONTROLLERS: Type<unknown>[] = [
  CertificatesController,
  CertificateImportController,
  PrivateKeyController,
  StatsController,
  RevocationController,
  IssuersController,
  IssuerImportController,
  IssuerTypesController,
  TargetTypesController,
  JobsController,
  ...CONFIG_CONTROLLERS,
  AgentBootstrapController,
  AgentsController,
  BootstrapTokensController,
  HealthChecksController,
  AgentDiscoveryController,
  DiscoveredCertificatesController,
  NetworkScanTargetsController,
  NotificationsController,
  NotificationChannelsController,
  NotificationRulesController,
  AcmeAdminController,
  EnrollmentProfilesController,
  ScepChallengesController,
  ApiKeysController,
  AuditController,
  ReissuanceController,
  CapacityController,
  WhoamiController,
  ReadinessController,
  VersionController,
  OpenApiController,
];

/** Every route the gateway serves from controllers, including the platform's health routes. */
export const DOCUMENTED_CONTROLLERS: Type<unknown>[] = [HealthController, ...GATEWAY_CONTROLLERS];
