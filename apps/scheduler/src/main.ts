import 'reflect-metadata';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { schedulerEnvSchema } from './config';
import { schedulerModule } from './app.module';

const config = loadConfigOrExit('scheduler', schedulerEnvSchema);
bootstrapService({
  service: 'scheduler',
  module: schedulerModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_SCHEDULER_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  natsUrl: config.NATS_URL,
}).catch(exitOnStartFailure);
