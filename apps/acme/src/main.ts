import 'reflect-metadata';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { acmeEnvSchema } from './config';
import { acmeModule } from './app.module';

const config = loadConfigOrExit('acme', acmeEnvSchema);
bootstrapService({
  service: 'acme',
  module: acmeModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_ACME_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  natsUrl: config.NATS_URL,
}).catch(exitOnStartFailure);
