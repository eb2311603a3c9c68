import 'reflect-metadata';
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Fastify from 'fastify';
import { platformModule } from './bootstrap';
import { CLOCK, type Clock, OffsetClock, systemClock } from './clock';
import { TEST_CLOCK_PATH, installTestClockRoute, serveTestClock, serviceClock } from './test-hooks';

@Injectable()
class NeedsTime {
  constructor(@Inject(CLOCK) readonly clock: Clock) {}
}

@Module({ providers: [NeedsTime] })
class FeatureModule {}

describe('the service clock and its test route', () => {
  it('ok/platformModule gives every module of the service the one process clock (movable under NODE_ENV=test)', async () => {
    @Module({ imports: [platformModule('clock-test', {}), FeatureModule] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      const clock = app.get(NeedsTime).clock;
      expect(clock).toBe(serviceClock());
      expect(clock).toBeInstanceOf(OffsetClock);
    } finally {
      await app.close();
    }
  });

  it('ok/outside NODE_ENV=test the process clock is the system clock', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('./test-hooks') as typeof import('./test-hooks');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const clocks = require('./clock') as typeof import('./clock');
      expect(fresh.serviceClock({ NODE_ENV: 'production' })).toBe(clocks.systemClock);
    });
  });

  it('ok/POST /test/clock moves a movable clock; a bad offset is refused; a system clock gets no route', async () => {
    const clock = new OffsetClock();
    const app = Fastify();
    installTestClockRoute(app, clock);
    const moved = await app.inject({ method: 'POST', url: TEST_CLOCK_PATH, payload: { offset_ms: 3_600_000 } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ offset_ms: 3_600_000 });
    expect(clock.nowMs() - Date.now()).toBeGreaterThan(3_599_000);
    const bad = await app.inject({ method: 'POST', url: TEST_CLOCK_PATH, payload: { offset_ms: 'soon' } });
    expect(bad.statusCode).toBe(400);
    expect(clock.offsetMs).toBe(3_600_000);
    expect((await app.inject({ method: 'POST', url: TEST_CLOCK_PATH, payload: { offset_ms: 0 } })).statusCode).toBe(200);
    expect(clock.offsetMs).toBe(0);
    await app.close();

    const production = Fastify();
    installTestClockRoute(production, systemClock);
    expect((await production.inject({ method: 'POST', url: TEST_CLOCK_PATH, payload: { offset_ms: 1 } })).statusCode).toBe(404);
    await production.close();
  });

  it('ok/a plain node:http listener (the gateway metrics port) serves the same route, and leaves other requests alone', async () => {
    const clock = new OffsetClock();
    const server = createServer((req, res) => {
      if (serveTestClock(req, res, clock)) return;
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const moved = await fetch(`${base}${TEST_CLOCK_PATH}`, { method: 'POST', body: JSON.stringify({ offset_ms: 120_000 }) });
      expect(moved.status).toBe(200);
      expect(clock.offsetMs).toBe(120_000);
      expect((await fetch(`${base}${TEST_CLOCK_PATH}`, { method: 'POST', body: 'not json' })).status).toBe(400);
      expect((await fetch(`${base}${TEST_CLOCK_PATH}`)).status).toBe(404);
      expect(serveTestClock({ method: 'POST', url: TEST_CLOCK_PATH } as never, {} as never, systemClock)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
