import { type ServiceName, type ServiceProcess, startService, waitReady } from '@certctl/testing';
import { readState, writeState } from './e2e-env';
import { waitFor } from './http';

/** Waits until a process id is gone. */
export function waitGone(pid: number, timeoutMs = 15000): Promise<true> {
  return waitFor(
    async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true as const;
      }
    },
    timeoutMs,
    `process ${pid} to exit`,
  );
}

/**
 * Stops one service of the e2e stack (SIGTERM: graceful) and starts it again from its bundle
 * with the stack's environment plus `env`, and waits until it is ready; the new pid goes into
 * the state file so the global teardown stops it.
 */
export async function restartService(name: ServiceName, env: Record<string, string> = {}): Promise<ServiceProcess> {
  await stopService(name, 'SIGTERM');
  return startStoppedService(name, env);
}

/** Stops one service of the e2e stack (SIGKILL: a crash) and waits until it is gone. */
export async function stopService(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const state = readState();
  try {
    process.kill(state.pids[name]!, signal);
  } catch {
    // already gone (killed by the test)
  }
  await waitGone(state.pids[name]!);
}

/** Starts a stopped service of the e2e stack again and waits until it is ready. */
export async function startStoppedService(name: ServiceName, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const state = readState();
  const child = startService(name, { env: { ...state.env, ...env }, port: state.ports[name], logDir: state.logDir });
  writeState({ ...state, pids: { ...state.pids, [name]: child.pid! } });
  await waitReady(`http://127.0.0.1:${state.ports[name]}/ready`, 60000, () => child.exitCode === null && child.signalCode === null);
  return child;
}
