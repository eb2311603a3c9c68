import { processAlive as alive } from '@certctl/testing';
import { readState } from './e2e-env';

/** Stops every service (SIGTERM, graceful), the private NATS server and the fault proxies. */
export default async function globalTeardown(): Promise<void> {
  const state = readState();
  const pids = [...Object.values(state.pids), state.natsPid, state.acme.pid, ...(state.faultProxies ? [state.faultProxies.pid] : [])];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
}
