import 'reflect-metadata';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { revocationEnvSchema } from './config';
import { revocationModule } from './app.module';

const config = loadConfigOrExit('revocation', revocationEnvSchema);
bootstrapService({
  service: 'revocation',
  module: revocationModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_REVOCATION_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  natsUrl: config.NATS_URL,
}).catch(exitOnStartFailure);
