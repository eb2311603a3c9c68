import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  type CallHandler,
  type DynamicModule,
  type ExecutionContext,
  Injectable,
  Module,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { context as otelContext, trace } from '@opentelemetry/api';
import { Observable, from, lastValueFrom } from 'rxjs';
import type { z } from 'zod';
import { ConfigError, baseEnvSchema, loadConfig } from '@certctl/config';
import { DrainingNatsServer, assertRpcHandlers } from '@certctl/messaging';
import {
  PinoNestLogger,
  SpanKind,
  createLogger,
  extractTraceContext,
  getLogger,
  httpDuration,
  runWithRequestContext,
  startDefaultMetrics,
  startTracing,
  stopTracing,
  withSpan,
} from '@certctl/observability';
import { type Dependency, HealthController, MetricsController, READINESS_DEPS, SERVICE_NAME, lifecycle } from './health.controller';
import { CLOCK } from './clock';
import { ProblemFilter } from './problem';
import { processHost } from './process-host';
import { installTestClockRoute, serviceClock } from './test-hooks';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Continues the caller's W3C trace for each HTTP request and binds the request id to the logs. */
@Injectable()
export class HttpTraceInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { traceId?: string }>();
    const parent = callerTraceContext(req);
    const route = req.routeOptions?.url ?? req.url;
    const run = () =>
      withSpan(
        `${req.method} ${route}`,
        { kind: SpanKind.SERVER, parent, attributes: { 'http.method': req.method, 'http.route': route } },
        (span) => {
          req.traceId = span.spanContext().traceId;
          return lastValueFrom(next.handle(), { defaultValue: undefined });
        },
      );
    // Guards ran before: the API key they resolved travels in the signed principal of NATS calls.
    const keyId = (req as FastifyRequest & { principal?: { key_id?: string } }).principal?.key_id;
    return from(otelContext.with(parent, () => runWithRequestContext({ request_id: String(req.id), key_id: keyId }, run)));
  }
}

/**
 * For routes registered on Fastify directly (the public protocol edges: ACME, CRL/OCSP), what
 * HttpTraceInterceptor does for Nest's: each request runs in a server span continuing the
 * caller's trace, so the service's NATS calls and queued jobs join it. Call it in the plugin
 * scope before its routes are added.
 */
export function traceRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const handler = route.handler as (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) => unknown;
    const name = `${Array.isArray(route.method) ? route.method.join(',') : route.method} ${route.url}`;
    route.handler = function traced(this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      const span = {
        kind: SpanKind.SERVER,
        parent: callerTraceContext(req),
        attributes: { 'http.method': req.method, 'http.route': route.url },
      };
      return withSpan(name, span, async () => handler.call(this, req, reply));
    } as RouteHandlerMethod;
  });
}

/** The W3C trace context a caller sent (traceparent, tracestate), or the active one. */
export function callerTraceContext(req: Pick<FastifyRequest, 'headers'>) {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return extractTraceContext({ traceparent: header('traceparent'), tracestate: header('tracestate') });
}

/**
 * Health, readiness and metrics routes, plus the trace interceptor, for one service; and the
 * service's `CLOCK` (global: every module of the service can inject it).
 * `metricsRoute: false` leaves /metrics off the app (a public listener serves it elsewhere).
 */
export function platformModule(
  service: string,
  deps: Partial<Record<Dependency, Type<unknown>>>,
  { metricsRoute = true }: { metricsRoute?: boolean } = {},
): DynamicModule {
  @Module({})
  class PlatformModule {}
  return {
    module: PlatformModule,
    global: true,
    controllers: metricsRoute ? [HealthController, MetricsController] : [HealthController],
    providers: [
      { provide: SERVICE_NAME, useValue: service },
      { provide: READINESS_DEPS, useValue: deps },
      { provide: APP_INTERCEPTOR, useClass: HttpTraceInterceptor },
      { provide: CLOCK, useFactory: () => serviceClock() },
    ],
    exports: [CLOCK],
  };
}

/** Parses the app's environment schema once; on failure prints every problem and exits 1. */
export function loadConfigOrExit<S extends z.ZodObject>(service: string, schema: S): z.output<S> {
  try {
    return loadConfig(schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`certctl-${service}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

export interface BootstrapOptions {
  service: string;
  module: Type<unknown> | DynamicModule;
  host: string;
  port: number;
  shutdownTimeoutMs: number;
  /** Keep serving this long after readiness turned 503 on SIGTERM (default: CERTCTL_SHUTDOWN_DRAIN_MS). */
  shutdownDrainMs?: number;
  natsUrl?: string;
  bodyLimitBytes?: number;
  /** Trust X-Forwarded-* from a fronting proxy (client address, https). */
  trustProxy?: boolean;
  /** false: the app registers its own application/json parser (in configure). */
  bodyParser?: boolean;
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
  /**
   * false: no POST /test/clock on this app (the gateway serves it on its metrics port, not on
   * the public API). The route exists only in bundles built with test hooks, under NODE_ENV=test.
   */
  testClockRoute?: boolean;
}

/**
 * Starts one service: tracing, JSON logs, metrics, Fastify HTTP (health/ready/metrics
 * and any controllers), the NATS transport in the service's queue group, and a graceful
 * SIGTERM/SIGINT path (readiness off → keep serving for the drain delay → stop taking work →
 * finish in-flight → drain NATS → close queues and database) bounded by shutdownTimeoutMs.
 */
export async function bootstrapService(o: BootstrapOptions): Promise<NestFastifyApplication> {
  startTracing(o.service);
  const logger = createLogger(o.service);
  startDefaultMetrics(o.service);

  const adapter = new FastifyAdapter({
    bodyLimit: o.bodyLimitBytes ?? 1024 * 1024,
    trustProxy: o.trustProxy ?? false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    disableRequestLogging: true,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(o.module, adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    bodyParser: o.bodyParser ?? true,
  });
  // Each contract the service owns has exactly one handler here, or the service does not start.
  assertRpcHandlers(o.service, app);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', String(req.id));
  });
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, seconds);
    if (route === '/health' || route === '/ready' || route === '/metrics') return;
    // High-volume public routes (OCSP) opt out of the access log; their metrics above still count.
    if ((req.routeOptions?.config as { accessLog?: boolean } | undefined)?.accessLog === false) return;
    const traceId = (req as FastifyRequest & { traceId?: string }).traceId;
    logger.info(
      {
        request_id: String(req.id),
        ...(traceId ? { trace_id: traceId } : {}),
        method: req.method,
        path: req.url.split('?')[0],
        route,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'http request',
    );
  });
  app.useGlobalFilters(new ProblemFilter());

  if (o.natsUrl) {
    app.connectMicroservice({ strategy: new DrainingNatsServer(o.natsUrl, o.service) }, { inheritAppConfig: true });
  }
  await o.configure?.(app);
  if (o.testClockRoute ?? true) installTestClockRoute(fastify, serviceClock());

  installShutdown(app, o);
  await startInOrder(app, { port: o.port, host: o.host });
  logger.info({ port: o.port, host: o.host, trace: trace.getTracerProvider() ? 'on' : 'off' }, `certctl-${o.service} listening`);
  processHost()?.started(o.service, async (signal) => {
    lifecycle.shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    await app.close();
    await stopTracing(); // flushes the spans this service's provider still holds
    logger.info('shutdown complete');
  });
  return app;
}

/**
 * Modules initialised (database connected, workers and consumers started) before the service joins
 * its NATS queue group, and that before its HTTP port (readiness) opens: a starting replica takes no
 * request it cannot answer yet. Nest's `listen` alone ran the init hooks only after the hybrid app's
 * NATS subscriptions were live, so requests routed to a starting replica waited for its start (the
 * gateway's 2 s RPC timeouts during the rolling restart of the replicas fault spec).
 */
export async function startInOrder(
  app: Pick<NestFastifyApplication, 'init' | 'startAllMicroservices' | 'listen'>,
  at: { port: number; host: string },
): Promise<void> {
  await app.init();
  await app.startAllMicroservices();
  await app.listen(at);
}

function installShutdown(app: NestFastifyApplication, o: BootstrapOptions): void {
  // One of several services in this process: the host turns SIGTERM into each one's stop.
  if (processHost()) return;
  const drainMs = o.shutdownDrainMs ?? shutdownDrainFromEnv();
  const shutdown = gracefulShutdown({
    drainMs,
    timeoutMs: o.shutdownTimeoutMs,
    close: async () => {
      await app.close();
      await stopTracing();
    },
    exit: (code) => process.exit(code),
  });
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** CERTCTL_SHUTDOWN_DRAIN_MS (baseEnvSchema: 0 to 30,000, default 0) for services that do not pass it. */
function shutdownDrainFromEnv(): number {
  return baseEnvSchema.pick({ CERTCTL_SHUTDOWN_DRAIN_MS: true }).parse(process.env).CERTCTL_SHUTDOWN_DRAIN_MS;
}

/**
 * The graceful shutdown sequence, once per process: readiness turns 503 at once (a balancer or a
 * Kubernetes Service stops sending new requests after its next probe), the service keeps serving
 * for `drainMs` while the ones still routed to it arrive, then `close` stops accepting connections,
 * finishes the requests and jobs in flight, drains NATS and closes the queues and the database;
 * then `exit(0)`. The whole sequence is bounded by `timeoutMs` (then `exit(1)`).
 */
export function gracefulShutdown(o: {
  drainMs: number;
  timeoutMs: number;
  close: () => Promise<void>;
  exit: (code: number) => void;
}): (signal: string) => Promise<void> {
  let closing = false;
  return async (signal: string) => {
    if (closing) return;
    closing = true;
    lifecycle.shuttingDown = true;
    const log = getLogger();
    log.info({ signal, drain_ms: o.drainMs }, 'shutting down');
    const force = setTimeout(() => {
      log.error({ timeout_ms: o.timeoutMs }, 'graceful shutdown timed out; exiting');
      o.exit(1);
    }, o.timeoutMs);
    force.unref();
    try {
      if (o.drainMs > 0) await new Promise((resolve) => setTimeout(resolve, o.drainMs));
      await o.close();
      log.info('shutdown complete');
      clearTimeout(force);
      o.exit(0);
    } catch (err) {
      log.error({ err }, 'error during shutdown');
      clearTimeout(force);
      o.exit(1);
    }
  };
}

/** A service that cannot start says why on one line and exits non-zero. */
export function exitOnStartFailure(err: unknown): never {
  getLogger().fatal({ err }, `start failed: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
}
