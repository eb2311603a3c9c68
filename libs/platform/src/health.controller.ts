import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { readinessGauge, registry } from '@certctl/observability';
import { Public } from './public';

export type Dependency = 'database' | 'redis' | 'nats';
export const READINESS_DEPS = Symbol('READINESS_DEPS');
export const SERVICE_NAME = Symbol('SERVICE_NAME');

interface Pingable {
  ping(): Promise<void>;
}

/** Probe state shared with the shutdown path: readiness turns false as soon as shutdown begins. */
export const lifecycle = { shuttingDown: false };

@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(READINESS_DEPS) private readonly deps: Record<Dependency, symbol | (abstract new (...a: never[]) => unknown)>,
    @Inject(SERVICE_NAME) private readonly service: string,
  ) {}

  /** Liveness: the process answers. Touches no dependency. */
  @Get('health')
  health() {
    return { status: 'ok', service: this.service };
  }

  /** Readiness: every dependency this service uses answers within 2 s. */
  @Get('ready')
  async ready(@Res() reply: FastifyReply) {
    if (lifecycle.shuttingDown) {
      // At once, without asking the dependencies: a balancer takes this replica out on this answer.
      readinessGauge.set(0);
      return void reply.status(503).send({ status: 'shutting_down', service: this.service, checks: {} });
    }
    const checks: Record<string, string> = {};
    await Promise.all(
      Object.entries(this.deps).map(async ([name, token]) => {
        try {
          const dep = this.moduleRef.get<Pingable>(token as never, { strict: false });
          await withTimeout(dep.ping(), 2000);
          checks[name] = 'ok';
        } catch (err) {
          checks[name] = `unavailable: ${(err as Error).message}`.slice(0, 200);
        }
      }),
    );
    const ok = !lifecycle.shuttingDown && Object.values(checks).every((v) => v === 'ok');
    readinessGauge.set(ok ? 1 : 0);
    void reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? 'ready' : lifecycle.shuttingDown ? 'shutting_down' : 'not_ready', service: this.service, checks });
  }
}

/** Prometheus metrics on the service's own port (the gateway serves them on a listener of their own instead). */
@Public()
@Controller()
export class MetricsController {
  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics() {
    return registry.metrics();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}
