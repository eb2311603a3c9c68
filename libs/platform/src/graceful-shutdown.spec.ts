import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { gracefulShutdown, startInOrder } from './bootstrap';
import { HealthController, lifecycle } from './health.controller';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('gracefulShutdown', () => {
  afterEach(() => {
    lifecycle.shuttingDown = false;
  });

  it('ok/readiness turns false at once, the service keeps serving for the drain delay, then closes and exits 0', async () => {
    const steps: string[] = [];
    const shutdown = gracefulShutdown({
      drainMs: 1000,
      timeoutMs: 5000,
      close: async () => {
        steps.push(`close ready=${!lifecycle.shuttingDown}`);
      },
      exit: (code) => steps.push(`exit ${code}`),
    });
    const done = shutdown('SIGTERM');
    expect(lifecycle.shuttingDown).toBe(true);
    await sleep(150);
    expect(steps).toEqual([]); // still draining: not closed yet
    await done;
    expect(steps).toEqual(['close ready=false', 'exit 0']);
  });

  it('ok/a second signal during shutdown does nothing more', async () => {
    let closes = 0;
    const exits: number[] = [];
    const shutdown = gracefulShutdown({ drainMs: 50, timeoutMs: 5000, close: async () => void closes++, exit: (c) => exits.push(c) });
    await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
    expect({ closes, exits }).toEqual({ closes: 1, exits: [0] });
  });

  it('error/a close that hangs past the budget exits 1; a close that throws exits 1', async () => {
    const exits: number[] = [];
    void gracefulShutdown({ drainMs: 0, timeoutMs: 100, close: () => new Promise(() => undefined), exit: (c) => exits.push(c) })('SIGTERM');
    await sleep(250);
    expect(exits).toEqual([1]);
    const failed: number[] = [];
    await gracefulShutdown({
      drainMs: 0,
      timeoutMs: 5000,
      close: async () => {
        throw new Error('boom');
      },
      exit: (c) => failed.push(c),
    })('SIGTERM');
    expect(failed).toEqual([1]);
  });

  it('ok/a real HTTP server: new connections are served during the drain, the request in flight at close finishes with 200', async () => {
    // The same server options as bootstrapService's adapter.
    const app = Fastify({ return503OnClosing: true, forceCloseConnections: 'idle' });
    app.get('/ready', async (_req, reply) => reply.status(lifecycle.shuttingDown ? 503 : 200).send({}));
    app.get('/slow', async () => {
      await sleep(1800); // still running when close begins, 1.5 s after SIGTERM
      return { ok: true };
    });
    app.get('/fast', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const get = (path: string) => fetch(`${base}${path}`, { headers: { connection: 'close' } }).then((r) => r.status);
    let exited: number | undefined;
    const shutdown = gracefulShutdown({ drainMs: 1500, timeoutMs: 10000, close: () => app.close(), exit: (c) => (exited = c) });

    const inFlight = get('/slow'); // started before SIGTERM, ends after close began
    await sleep(50);
    const done = shutdown('SIGTERM');
    const sigterm = Date.now();
    expect(await get('/ready')).toBe(503);
    expect(await get('/fast')).toBe(200); // during the drain: still served
    expect(Date.now() - sigterm).toBeLessThan(1500); // (it was the drain: close had not begun)
    expect(await inFlight).toBe(200);
    await done;
    expect(exited).toBe(0);
    await expect(get('/fast')).rejects.toThrow(); // closed: the connection is refused
  });
});

describe('startInOrder', () => {
  it('ok/initialises the modules before joining the NATS queue group, and opens the HTTP port last', async () => {
    const steps: string[] = [];
    const app = {
      init: async () => void steps.push('init'),
      startAllMicroservices: async () => void steps.push('nats'),
      listen: async (at: unknown) => void steps.push(`listen ${JSON.stringify(at)}`),
    };
    await startInOrder(app as never, { port: 8081, host: '127.0.0.1' });
    expect(steps).toEqual(['init', 'nats', 'listen {"port":8081,"host":"127.0.0.1"}']);
  });
});

describe('readiness while shutting down', () => {
  afterEach(() => {
    lifecycle.shuttingDown = false;
  });

  it('ok/answers 503 shutting_down at once, without waiting for its dependencies', async () => {
    let asked = 0;
    const moduleRef = {
      get: () => ({
        ping: () => {
          asked++;
          return new Promise<void>(() => undefined); // a dependency that would make /ready wait 2 s
        },
      }),
    };
    const controller = new HealthController(moduleRef as never, { database: Symbol('db') } as never, 'gateway');
    const sent: { status?: number; body?: unknown } = {};
    const reply = {
      status(code: number) {
        sent.status = code;
        return this;
      },
      send(body: unknown) {
        sent.body = body;
        return this;
      },
    };
    lifecycle.shuttingDown = true;
    const started = Date.now();
    await controller.ready(reply as never);
    expect(Date.now() - started).toBeLessThan(500);
    expect({ asked, ...sent }).toEqual({ asked: 0, status: 503, body: { status: 'shutting_down', service: 'gateway', checks: {} } });
  });
});
