import 'reflect-metadata';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { gatewayEnvSchema } from './config';
import { gatewayModule } from './app.module';
import { AuditWriter } from './audit/audit.writer';
import { installGatewayHooks } from './http/hooks';
import { installPublicProxy } from './http/proxy';

const config = loadConfigOrExit('gateway', gatewayEnvSchema);
bootstrapService({
  service: 'gateway',
  module: gatewayModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_GATEWAY_PORT,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  bodyLimitBytes: config.CERTCTL_MAX_BODY_BYTES,
  trustProxy: config.CERTCTL_TRUST_PROXY,
  bodyParser: false,
  configure: async (app) => {
    const fastify = app.getHttpAdapter().getInstance();
    installGatewayHooks(fastify, config, app.get(AuditWriter));
    await installPublicProxy(fastify, config);
  },
}).catch(exitOnStartFailure);
