import 'reflect-metadata';
import { RpcClient } from '@certctl/messaging';
import { bootstrapService, exitOnStartFailure, loadConfigOrExit } from '@certctl/platform';
import { gatewayEnvSchema } from './config';
import { gatewayModule } from './app.module';
import { AuditWriter } from './audit/audit.writer';
import { installDashboard } from './http/dashboard';
import { installGatewayHooks } from './http/hooks';
import { startMetricsListener } from './http/metrics-listener';
import { installPublicProxy } from './http/proxy';
import { PublicResponseCache } from './http/public-cache';
import { GatewayHttps } from './http/tls';
import { EnrollmentIssuer } from './enrollment/enrollment-issuer';
import { installEst } from './est/est.routes';
import { RateLimiter } from './http/rate-limiter';
import { installScepEdge } from './scep/scep.edge';
import { ScepService } from './scep/scep.service';
import { ScepRaService } from './scep/scep-ra.service';

const config = loadConfigOrExit('gateway', gatewayEnvSchema);
let https: GatewayHttps | undefined;
bootstrapService({
  service: 'gateway',
  module: gatewayModule(config),
  host: config.CERTCTL_HOST,
  port: config.CERTCTL_GATEWAY_PORT,
  // Subscribes (queue group certctl.gateway) to the audit events of the other services.
  natsUrl: config.NATS_URL,
  shutdownTimeoutMs: config.CERTCTL_SHUTDOWN_TIMEOUT_MS,
  bodyLimitBytes: config.CERTCTL_MAX_BODY_BYTES,
  trustProxy: config.CERTCTL_TRUST_PROXY,
  bodyParser: false,
  testClockRoute: false, // on the metrics port instead: never on the public API
  configure: async (app) => {
    const fastify = app.getHttpAdapter().getInstance();
    installGatewayHooks(fastify, config, app.get(AuditWriter));
    await installEst(fastify, {
      rpc: app.get(RpcClient),
      issuer: app.get(EnrollmentIssuer),
      audit: app.get(AuditWriter),
      config,
      keygenSigner: app.get(ScepRaService),
    });
    await installPublicProxy(fastify, config, app.get(PublicResponseCache));
    await installScepEdge(fastify, app.get(ScepService), app.get(RateLimiter), app.get(AuditWriter));
    installDashboard(fastify);
    // The HTTPS port serves this same app (docs/tls.md); it opens once HTTP is listening.
    https = new GatewayHttps(fastify, config, app.get(RpcClient));
  },
})
  .then(async () => {
    await startMetricsListener(config.CERTCTL_HOST, config.CERTCTL_GATEWAY_METRICS_PORT);
    await https?.start();
  })
  .catch(exitOnStartFailure);
