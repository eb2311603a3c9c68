import 'reflect-metadata';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { issuanceEnvSchema } from './config';
import { issuanceModule } from './app.module';

const config = loadConfigOrExit('issuance', issuanceEnvSchema);
bootstrapService({
  service: 'issuance',
  module: issuanceModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_ISSUANCE_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  natsUrl: config.NATS_URL,
}).catch(exitOnStartFailure);
