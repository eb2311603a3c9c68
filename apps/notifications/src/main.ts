import 'reflect-metadata';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { notificationsEnvSchema } from './config';
import { notificationsModule } from './app.module';

const config = loadConfigOrExit('notifications', notificationsEnvSchema);
bootstrapService({
  service: 'notifications',
  module: notificationsModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_NOTIFICATIONS_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  natsUrl: config.NATS_URL,
}).catch(exitOnStartFailure);
