import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SERVICES, type ServiceName, dataDir, waitForPort } from '@certctl/testing';
import { E2E_DIR, readState, writeState } from '../e2e-env';
import { waitFor } from '../http';
import { startStoppedService, stopService, waitGone } from '../restart';

/** What a fault hits: one of the seven services, or one of the three servers they depend on. */
export type FaultTarget = ServiceName | 'nats' | 'redis' | 'postgresql';

const SERVICE_NAMES = SERVICES.map((s) => s.name);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of a dependency: the stack's private NATS, or this data dir's Redis and PostgreSQL (tools/infra/up.sh). */
function infraPid(target: 'nats' | 'redis' | 'postgresql'): number {
  if (target === 'nats') return readState().natsPid;
  const file = target === 'redis' ? join(dataDir(), 'redis', 'redis.pid') : join(dataDir(), 'pg', 'postmaster.pid');
  return Number(readFileSync(file, 'utf8').split('\n')[0]);
}

/** Starts the private NATS again from its kept configuration and JetStream folder, on its port. */
async function restartNats(): Promise<void> {
  const state = readState();
  const dir = join(E2E_DIR, 'nats');
  // Its own port, also when the services reach it through a fault proxy.
  const port = Number(new URL(state.faultProxies?.direct.NATS_URL ?? state.env.NATS_URL!).port);
  const child = spawn(
    'nats-server',
    ['-c', join(dir, 'nats.conf'), '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'jetstream')],
    {
      stdio: 'ignore',
      detached: true,
    },
  );
  child.unref();
  writeState({ ...readState(), natsPid: child.pid! });
  await waitForPort(port, 20000);
}

/**
 * kill -9 of `target`, `downMs` of outage (and `duringOutage`, e.g. readiness checks), then the
 * target started again (a service: the same bundle and environment), even when the checks failed.
 */
export async function crash(target: FaultTarget, downMs: number, duringOutage: () => Promise<void> = async () => undefined): Promise<void> {
  const isService = (SERVICE_NAMES as string[]).includes(target);
  if (isService) await stopService(target as ServiceName, 'SIGKILL');
  else {
    const pid = infraPid(target as 'nats' | 'redis' | 'postgresql');
    process.kill(pid, 'SIGKILL');
    await waitGone(pid);
  }
  try {
    await Promise.all([sleep(downMs), duringOutage()]);
  } finally {
    if (isService) await startStoppedService(target as ServiceName);
    else if (target === 'nats') await restartNats();
    // Starts what is not running, with this data dir's configuration (PostgreSQL recovers from its
    // WAL). Asynchronously: this process also serves the webhook receiver, which must keep answering.
    else await promisify(execFile)('bash', [join(ROOT, 'tools', 'infra', 'up.sh')]);
  }
}

/** Each service's GET /ready answer: its status (0 when it does not answer) and body (the checks that failed). */
async function readinessAnswers(): Promise<Record<ServiceName, { status: number; body: string }>> {
  const state = readState();
  const entries = await Promise.all(
    SERVICE_NAMES.map(async (name) => {
      try {
        const res = await fetch(`http://127.0.0.1:${state.ports[name]}/ready`, { signal: AbortSignal.timeout(3000) });
        return [name, { status: res.status, body: await res.text() }] as const;
      } catch (err) {
        return [name, { status: 0, body: (err as Error).message }] as const;
      }
    }),
  );
  return Object.fromEntries(entries) as Record<ServiceName, { status: number; body: string }>;
}

/** Each service's GET /ready status (0 when it does not answer). */
export async function readiness(): Promise<Record<ServiceName, number>> {
  const answers = await readinessAnswers();
  return Object.fromEntries(Object.entries(answers).map(([name, a]) => [name, a.status])) as Record<ServiceName, number>;
}

/**
 * Waits until none of `services` answers /ready with 200 (they noticed the outage: 503, or no
 * answer within 3 s, which a probe also counts as not ready), and answers what each said.
 */
export function waitNotReady(services: ServiceName[], timeoutMs = 20000): Promise<Record<ServiceName, number>> {
  return waitFor(
    async () => {
      const now = await readiness();
      return services.every((s) => now[s] !== 200) ? now : undefined;
    },
    timeoutMs,
    `${services.join(', ')} to report not ready`,
    250,
  );
}

/**
 * Waits until every service answers /ready with 200 again; answers how long it took. On a
 * timeout the error names what each service still reported, with the end of its log.
 */
export async function waitAllReady(timeoutMs = 60000): Promise<number> {
  const started = Date.now();
  let last: Awaited<ReturnType<typeof readinessAnswers>> | undefined;
  try {
    await waitFor(
      async () => {
        last = await readinessAnswers();
        return Object.values(last).every((a) => a.status === 200);
      },
      timeoutMs,
      'every service to be ready again',
      250,
    );
  } catch (err) {
    const state = readState();
    const report = Object.entries(last ?? {})
      .filter(([, a]) => a.status !== 200)
      .map(([name, a]) => {
        let tail = '';
        try {
          tail = readFileSync(join(state.logDir, `${name}.log`), 'utf8')
            .split('\n')
            .slice(-15)
            .join('\n');
        } catch {
          tail = '(no log)';
        }
        return `${name}: ${a.status} ${a.body}\n--- end of ${name}.log ---\n${tail}`;
      });
    throw new Error(`${(err as Error).message}\n${report.join('\n')}`);
  }
  return Date.now() - started;
}

/** The pids of the seven services now: a dependency's outage must not make any of them restart. */
export const servicePids = () => ({ ...readState().pids });

/**
 * How many times each service's circuits towards other services opened so far
 * (`certctl_circuit_opened_total`, summed over its circuits; the gateway's on its metrics port).
 * A service that does not answer counts 0.
 */
export async function circuitOpenings(): Promise<Record<ServiceName, number>> {
  const state = readState();
  const entries = await Promise.all(
    SERVICE_NAMES.map(async (name) => {
      const port = name === 'gateway' ? state.env.CERTCTL_GATEWAY_METRICS_PORT : state.ports[name];
      try {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
        const opened = [...text.matchAll(/^certctl_circuit_opened_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
        return [name, opened] as const;
      } catch {
        return [name, 0] as const;
      }
    }),
  );
  return Object.fromEntries(entries) as Record<ServiceName, number>;
}
