import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { getLogger } from '@certctl/observability';
import { type Clock, OffsetClock, systemClock } from './clock';

/**
 * TEST HOOK, honoured only with NODE_ENV=test: the service's clock is an OffsetClock that
 * POST /test/clock {"offset_ms": n} moves (n ms ahead of the real time; 0 puts it back), on the
 * service's own HTTP port (the gateway: its metrics port, never the public API). An e2e test
 * moves a service's clock instead of sleeping until a key expires or a window passes.
 * tools/build resolves `./test-hooks` to test-hooks.off.ts unless CERTCTL_BUILD_TEST_HOOKS=1,
 * so a production bundle has the system clock and no such route, whatever NODE_ENV says.
 */
export const TEST_CLOCK_PATH = '/test/clock';

let processClock: Clock | undefined;

/** The clock of this process: movable only under NODE_ENV=test. */
export function serviceClock(env: NodeJS.ProcessEnv = process.env): Clock {
  processClock ??= env.NODE_ENV === 'test' ? new OffsetClock() : systemClock;
  return processClock;
}

type Answer = { status: number; body: Record<string, unknown> };

function moveClock(clock: Clock, body: unknown): Answer {
  if (!(clock instanceof OffsetClock)) return { status: 404, body: { error: 'not_found' } };
  const offset = (body as { offset_ms?: unknown } | undefined)?.offset_ms;
  if (typeof offset !== 'number' || !Number.isFinite(offset)) return { status: 400, body: { error: 'offset_ms must be a number' } };
  clock.setOffset(offset);
  getLogger().warn({ offset_ms: offset }, 'test hook: clock moved');
  return { status: 200, body: { offset_ms: clock.offsetMs, now: clock.now().toISOString() } };
}

/** POST /test/clock on a service's Fastify app (only when its clock is movable). */
export function installTestClockRoute(fastify: FastifyInstance, clock: Clock): void {
  if (!(clock instanceof OffsetClock)) return;
  fastify.post(TEST_CLOCK_PATH, async (req, reply) => {
    const answer = moveClock(clock, req.body);
    return reply.code(answer.status).send(answer.body);
  });
}

/** The same route for a plain node:http listener (the gateway's metrics port); true when it answered. */
export function serveTestClock(req: IncomingMessage, res: ServerResponse, clock: Clock = serviceClock()): boolean {
  if (!(clock instanceof OffsetClock) || req.method !== 'POST' || req.url !== TEST_CLOCK_PATH) return false;
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (raw = (raw + chunk).slice(0, 4096)));
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const answer = moveClock(clock, body);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  return true;
}
