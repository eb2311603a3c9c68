import 'reflect-metadata';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { revocationEnvSchema } from './config';
import { revocationModule } from './app.module';
import { CrlService } from './crl/crl.service';
import { installPublicRoutes } from './http/public-routes';
import { IssuerCache } from './issuers/issuer-cache';
import { OcspService } from './ocsp/ocsp.service';

const config = loadConfigOrExit('revocation', revocationEnvSchema);
bootstrapService({
  service: 'revocation',
  module: revocationModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_REVOCATION_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  natsUrl: config.NATS_URL,
  configure: async (app) => {
    await installPublicRoutes(app.getHttpAdapter().getInstance(), {
      config,
      crl: app.get(CrlService),
      ocsp: app.get(OcspService),
      issuers: app.get(IssuerCache),
    });
  },
}).catch(exitOnStartFailure);
