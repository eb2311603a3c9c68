import { Balancer, type Replica, SERVICES, type ServiceName, restartReplica, startReplicas, stopReplica } from '@certctl/testing';
import { readState, writeState } from '../e2e-env';
import { startStoppedService, stopService } from '../restart';

/**
 * Two replicas of every service of the running e2e stack: the stack's own (replica 1, on its
 * usual port, its pid in the state file under the service's name) and a second one started here
 * (replica 2, on a free port, its pid in the state file under `<name>-2`, so the global teardown
 * stops it too). The gateway's replicas sit behind a Balancer.
 */
export class TwoReplicas {
  private constructor(
    private readonly second: Map<ServiceName, Replica>,
    private readonly extraEnv: Record<string, string>,
  ) {}

  /**
   * Starts the second replicas with the stack's environment plus `extraEnv`, which every restart
   * here passes too (replica 1 of a service gets it at its first restart; `restart(name, 1)` now).
   */
  static async start(extraEnv: Record<string, string> = {}, timeoutMs = 240000): Promise<TwoReplicas> {
    const state = readState();
    const replicas = await startReplicas({ env: { ...state.env, ...extraEnv }, logDir: state.logDir }, { count: 2, timeoutMs });
    const now = readState();
    writeState({ ...now, pids: { ...now.pids, ...Object.fromEntries(replicas.map((r) => [`${r.name}-2`, r.child.pid!])) } });
    return new TwoReplicas(new Map(replicas.map((r) => [r.name, r])), extraEnv);
  }

  /** The HTTP base URL of replica `index` (1 or 2) of `name`. */
  url(name: ServiceName, index: 1 | 2): string {
    return `http://127.0.0.1:${index === 1 ? readState().ports[name] : this.second.get(name)!.port}`;
  }

  /** A balancer over the two gateway replicas (health-checked on /ready every 250 ms). */
  gatewayBalancer(): Balancer {
    return new Balancer([this.url('gateway', 1), this.url('gateway', 2)], { healthIntervalMs: 250 });
  }

  /** Prometheus text of replica `index` of `name` (the gateway's is on its metrics listener, not here). */
  async metrics(name: ServiceName, index: 1 | 2): Promise<string> {
    return (await fetch(`${this.url(name, index)}/metrics`, { signal: AbortSignal.timeout(10000) })).text();
  }

  /**
   * Restarts replica `index` of `name` the way a rolling update does: SIGTERM (graceful), wait
   * until its process is gone, start it again on the same port with the same environment, wait
   * until its /ready answers 200. Answers how long it was gone and how long it took to be ready.
   */
  async restart(name: ServiceName, index: 1 | 2): Promise<{ stopMs: number; startMs: number }> {
    const t0 = Date.now();
    if (index === 1) {
      await stopService(name, 'SIGTERM');
      const t1 = Date.now();
      await startStoppedService(name, this.extraEnv);
      return { stopMs: t1 - t0, startMs: Date.now() - t1 };
    }
    await stopReplica(this.second.get(name)!);
    const t1 = Date.now();
    const again = await restartReplica(this.second.get(name)!, 120000);
    this.second.set(name, again);
    const state = readState();
    writeState({ ...state, pids: { ...state.pids, [`${name}-2`]: again.child.pid! } });
    return { stopMs: t1 - t0, startMs: Date.now() - t1 };
  }

  /** Stops every second replica (SIGTERM) and forgets their pids. */
  async stop(): Promise<void> {
    await Promise.all([...this.second.values()].map((r) => stopReplica(r)));
    const state = readState();
    const pids = Object.fromEntries(Object.entries(state.pids).filter(([key]) => !key.endsWith('-2')));
    writeState({ ...state, pids });
  }
}

export const SERVICE_NAMES = SERVICES.map((s) => s.name);

/** The value of one Prometheus series (summed over the series matching every `labels` pair). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}
