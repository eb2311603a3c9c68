import 'reflect-metadata';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { gatewayEnvSchema } from './config';
import { gatewayModule } from './app.module';

const config = loadConfigOrExit('gateway', gatewayEnvSchema);
bootstrapService({
  service: 'gateway',
  module: gatewayModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_GATEWAY_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  bodyLimitBytes: config.CERTCTL_MAX_BODY_BYTES,
}).catch(exitOnStartFailure);
