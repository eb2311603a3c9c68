import { type FaultMode, type FaultProxyReport, faultProxyReport, setFaultMode, spawnFaultProxies } from '@certctl/testing';

/** The dependencies a fault proxy can stand in front of, by the environment variable that locates them. */
export const PROXIED = { postgresql: 'DATABASE_URL', redis: 'REDIS_URL', nats: 'NATS_URL' } as const;
export type ProxiedDependency = keyof typeof PROXIED;

/** What the e2e state file keeps of the fault proxies (E2eState.faultProxies). */
export interface FaultProxiesState {
  pid: number;
  controlUrl: string;
  /** The real servers' URLs, for the test's own connections and for restarting a killed NATS on its port. */
  direct: Record<(typeof PROXIED)[ProxiedDependency], string>;
}

/**
 * For the fault tier (CERTCTL_FAULT_PROXIES=1): starts a fault proxy (libs/testing/src/fault-proxy.ts)
 * in front of PostgreSQL, Redis and NATS, and points the services' `env` at them; in mode pass
 * they change nothing, and a killed server behind one still looks killed (its connections are
 * reset, new ones refused by a reset).
 */
export async function proxyDependencies(env: Record<string, string>, dir: string): Promise<FaultProxiesState> {
  const direct = { DATABASE_URL: env.DATABASE_URL!, REDIS_URL: env.REDIS_URL!, NATS_URL: env.NATS_URL! };
  const upstreams = Object.fromEntries(Object.entries(PROXIED).map(([name, key]) => [name, new URL(direct[key]).host]));
  const started = await spawnFaultProxies(upstreams, dir);
  for (const [name, key] of Object.entries(PROXIED)) {
    const u = new URL(direct[key]);
    u.host = `127.0.0.1:${started.ports[name]}`;
    env[key] = u.toString();
  }
  // Shorter than the 20 s stall of slow-dependencies.faults-spec.ts, so it meets the query timeout (30 s by default).
  env.CERTCTL_DATABASE_QUERY_TIMEOUT_MS ??= '10000';
  return { pid: started.pid, controlUrl: started.controlUrl, direct };
}

/** Switches the fault proxy in front of `dependency` (the stack must have been started with CERTCTL_FAULT_PROXIES=1). */
export async function injectFault(
  proxies: FaultProxiesState | undefined,
  dependency: ProxiedDependency,
  mode: FaultMode,
): Promise<FaultProxyReport> {
  if (!proxies)
    throw new Error('the stack runs without fault proxies: start it with CERTCTL_FAULT_PROXIES=1 (tools/testing/faults.sh does)');
  return setFaultMode(proxies.controlUrl, dependency, mode);
}

export const proxyReport = (proxies: FaultProxiesState) => faultProxyReport(proxies.controlUrl);
