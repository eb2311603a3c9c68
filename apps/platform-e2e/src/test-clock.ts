import type { ServiceName } from '@certctl/testing';
import { readState } from './e2e-env';

/**
 * Moves a running service's clock (libs/platform CLOCK) `offsetMs` ahead of the real time; 0
 * puts it back. The e2e stack is built with test hooks and runs with NODE_ENV=test, so each
 * service answers POST /test/clock on its own HTTP port (the gateway on its metrics port, never
 * on the public API). A test that moves a clock puts it back in its afterAll: the stack is shared.
 */
export async function moveClock(service: ServiceName, offsetMs: number): Promise<void> {
  const state = readState();
  const port = service === 'gateway' ? Number(state.env.CERTCTL_GATEWAY_METRICS_PORT) : state.ports[service];
  const res = await fetch(`http://127.0.0.1:${port}/test/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ offset_ms: offsetMs }),
    signal: AbortSignal.timeout(10000),
  });
  if (res.status !== 200) throw new Error(`${service} did not move its clock: ${res.status} ${await res.text()}`);
}
