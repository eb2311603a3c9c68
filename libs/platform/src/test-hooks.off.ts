import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { type Clock, systemClock } from './clock';

/**
 * The production stand-in for test-hooks.ts: same exports, no effect. tools/build resolves
 * `./test-hooks` to this file unless the build sets CERTCTL_BUILD_TEST_HOOKS=1 (the e2e global
 * setup does): a production bundle has the system clock and no route that moves it.
 */
export const TEST_CLOCK_PATH = '';

export function serviceClock(_env: NodeJS.ProcessEnv = process.env): Clock {
  return systemClock;
}

export function installTestClockRoute(_fastify: FastifyInstance, _clock: Clock): void {}

export function serveTestClock(_req: IncomingMessage, _res: ServerResponse, _clock?: Clock): boolean {
  return false;
}
