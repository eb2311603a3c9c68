import type { ProjectConfig } from 'jest';
import { processAlive as alive, armExitWatchdog } from '@certctl/testing';
import { readState } from './e2e-env';

/**
 * Stops every service (SIGTERM, graceful), the private NATS server and the fault proxies, then
 * arms the exit watchdog (libs/testing/src/exit-watchdog.ts): the tier runs without --forceExit.
 */
export default async function globalTeardown(_global: unknown, project: ProjectConfig): Promise<void> {
  try {
    await stopStack();
  } finally {
    armExitWatchdog(project.displayName?.name ?? 'e2e');
  }
}

async function stopStack(): Promise<void> {
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
  const stuck = pids.filter(alive);
  for (const pid of stuck) process.kill(pid, 'SIGKILL');
  // Gone within moments, and waited for: no process of the stack outlives the run.
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && stuck.some(alive)) await new Promise((r) => setTimeout(r, 50));
}
