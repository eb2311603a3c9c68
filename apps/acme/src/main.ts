import 'reflect-metadata';
import { currentEncryptionSecret } from '@certctl/config';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { AccountsService } from './accounts/accounts.service';
import { AcmeRedis } from './acme-redis';
import { acmeModule } from './app.module';
import { CertificatesService } from './certificates/certificates.service';
import { acmeEnvSchema } from './config';
import { AcmeAudit } from './http/acme-audit';
import { installAcmeRoutes } from './http/acme-routes';
import { ChallengesService } from './orders/challenges.service';
import { FinalizeService } from './orders/finalize.service';
import { OrdersService } from './orders/orders.service';
import { ProfileCache } from './profiles/profile-cache';
import { ProfileSettingsService } from './profiles/profile-settings.service';
import { NonceService } from './protocol/nonces';
import { AcmeRateLimits } from './protocol/rate-limits';

const config = loadConfigOrExit('acme', acmeEnvSchema);

bootstrapService({
  service: 'acme',
  module: acmeModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_ACME_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  natsUrl: config.NATS_URL,
  bodyLimitBytes: config.CERTCTL_ACME_BODY_LIMIT_BYTES,
  configure: async (app) => {
    const redis = app.get(AcmeRedis).client;
    await installAcmeRoutes(app.getHttpAdapter().getInstance(), {
      config,
      nonces: new NonceService(currentEncryptionSecret(config), redis, config.CERTCTL_ACME_NONCE_TTL_SECONDS),
      limits: new AcmeRateLimits(redis, {
        orders: config.CERTCTL_ACME_RATE_ORDERS_PER_HOUR,
        key_changes: config.CERTCTL_ACME_RATE_KEY_CHANGES_PER_HOUR,
        challenges: config.CERTCTL_ACME_RATE_CHALLENGES_PER_HOUR,
        new_accounts: config.CERTCTL_ACME_RATE_NEW_ACCOUNTS_PER_IP_PER_HOUR,
      }),
      profiles: app.get(ProfileCache),
      profileSettings: app.get(ProfileSettingsService),
      accounts: app.get(AccountsService),
      orders: app.get(OrdersService),
      challenges: app.get(ChallengesService),
      finalize: app.get(FinalizeService),
      certificates: app.get(CertificatesService),
      audit: app.get(AcmeAudit),
    });
  },
}).catch(exitOnStartFailure);
