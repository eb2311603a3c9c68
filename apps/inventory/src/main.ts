import 'reflect-metadata';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { inventoryEnvSchema } from './config';
import { inventoryModule } from './app.module';

const config = loadConfigOrExit('inventory', inventoryEnvSchema);
bootstrapService({
  service: 'inventory',
  module: inventoryModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_INVENTORY_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  natsUrl: config.NATS_URL,
}).catch(exitOnStartFailure);
