// Starts and stops the seven services from their built bundles (dist/apps/<app>/main.js).
// Used by `npm start` (tools/run-stack.mjs) and by the end-to-end tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { busEnvFor, readBusSecrets } from '@certctl/messaging';
import { ROOT, dataDir } from './paths';

export type ServiceName = 'gateway' | 'inventory' | 'issuance' | 'acme' | 'revocation' | 'scheduler' | 'notifications';
export type ServiceProcess = ChildProcess & { exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> };

/** Default HTTP ports: the gateway serves the API; every service serves /health, /ready, /metrics. */
export const SERVICES: { name: ServiceName; port: number }[] = [
  { name: 'gateway', port: 8080 },
  { name: 'inventory', port: 8081 },
  { name: 'issuance', port: 8082 },
  { name: 'acme', port: 8083 },
  { name: 'revocation', port: 8084 },
  { name: 'scheduler', port: 8085 },
  { name: 'notifications', port: 8086 },
];

export const portVar = (name: string): string => `CERTCTL_${name.toUpperCase()}_PORT`;

/** Resolved port of each service: env override, else default + offset. */
export function servicePorts(env: NodeJS.ProcessEnv = process.env, offset = 0): Record<ServiceName, number> {
  return Object.fromEntries(SERVICES.map((s) => [s.name, Number(env[portVar(s.name)] ?? s.port + offset)])) as Record<ServiceName, number>;
}

/**
 * The environment of one service: the shared one plus, when CERTCTL_BUS_CREDENTIALS_FILE names
 * the bus secrets (`npm start`, the e2e stack), this service's own NATS user and principal
 * keys — and not the file itself, so a service holds only its own secrets.
 */
export function serviceEnv(name: ServiceName, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CERTCTL_BUS_CREDENTIALS_FILE: file, ...rest } = env;
  if (!file || !existsSync(file)) return rest;
  return { ...rest, ...busEnvFor(name, readBusSecrets(file)) };
}

/**
 * `--cpu-prof` for the services named in CERTCTL_CPU_PROF_SERVICES (comma-separated; all when
 * empty) when CERTCTL_CPU_PROF_DIR is set: each writes `<name>-<start ms>.cpuprofile` there when it
 * stops gracefully (npm stop, Ctrl-C). For benchmarks (loadtest/README.md), not for production.
 */
export function profilerArgs(name: ServiceName, env: NodeJS.ProcessEnv): string[] {
  const dir = env.CERTCTL_CPU_PROF_DIR;
  if (!dir) return [];
  const only = (env.CERTCTL_CPU_PROF_SERVICES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (only.length && !only.includes(name)) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${resolve(dir)}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
}

export function startService(
  name: ServiceName,
  { env, port, logDir, logName = name }: { env: NodeJS.ProcessEnv; port: number; logDir: string; logName?: string },
): ServiceProcess {
  // A second replica of a service logs to a file of its own (`logName`, e.g. `issuance-2`).
  return spawnLogged(
    ['--enable-source-maps', ...profilerArgs(name, env), join(ROOT, 'dist', 'apps', name, 'main.js')],
    { ...serviceEnv(name, env), [portVar(name)]: String(port) },
    join(logDir, `${logName}.log`),
  );
}

/** `node <args>` with stdout and stderr appended straight to `logFile` (not through this process, so they survive it). */
function spawnLogged(args: string[], env: NodeJS.ProcessEnv, logFile: string): ServiceProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', log, log] }) as ServiceProcess;
  closeSync(log);
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

export async function waitReady(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`${url}: process exited before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
}

/**
 * Waits until the gateway's HTTPS port answers `url` with 200, trusting only the CA bundle
 * in `caFile` (which appears when the gateway's first certificate was stored).
 */
export async function waitHttpsReady(url: string, caFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = `${caFile} not written yet`;
  while (Date.now() < deadline) {
    if (existsSync(caFile)) {
      const ca = readFileSync(caFile);
      const status = await new Promise<number | string>((done) => {
        const req = httpsGet(url, { ca, timeout: 2000 }, (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', (err) => done(err.message));
      });
      if (status === 200) return;
      last = String(status);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready over HTTPS after ${timeoutMs} ms: ${last}`);
}

/** Where the gateway asks the other services' /ready (GET /api/v1/system/readiness). */
export function readinessUrls(ports: Record<ServiceName, number>): Record<string, string> {
  const names: ServiceName[] = ['inventory', 'issuance', 'scheduler', 'notifications'];
  return Object.fromEntries(names.map((name) => [`CERTCTL_${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[name]}`]));
}

/** Starts every service and waits until each /ready answers 200. */
export interface Stack {
  children: Record<ServiceName, ServiceProcess>;
  ports: Record<ServiceName, number>;
  logDir: string;
  /** The environment the services were started with (to start one again the same way). */
  env: NodeJS.ProcessEnv;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The environment every service of a stack shares: `env` plus where the services answer on `ports`. */
export function stackEnv(ports: Record<ServiceName, number>, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // The gateway forwards public protocol paths to the services that own them, on these ports.
  return {
    CERTCTL_ACME_URL: `http://127.0.0.1:${ports.acme}`,
    CERTCTL_REVOCATION_URL: `http://127.0.0.1:${ports.revocation}`,
    ...readinessUrls(ports),
    ...env,
  };
}

/** Fails when a service port already answers: a service that cannot listen would look ready. */
async function assertPortsFree(ports: Record<ServiceName, number>): Promise<void> {
  const taken = (await Promise.all(SERVICES.map(async (s) => ((await portAnswers(ports[s.name])) ? s.name : null)))).filter(Boolean);
  if (taken.length) {
    const list = taken.map((name) => `${ports[name as ServiceName]} (${name}, ${portVar(name as ServiceName)})`).join(', ');
    throw new Error(`port ${list} already in use: another certctl-ts stack (npm stop ends the one npm start runs) or another program`);
  }
}

/** Waits until every service's /ready answers 200, failing early when `alive(name)` turns false. */
async function waitStackReady(ports: Record<ServiceName, number>, timeoutMs: number, alive: (name: ServiceName) => boolean): Promise<void> {
  await Promise.all(SERVICES.map((s) => waitReady(`http://127.0.0.1:${ports[s.name]}/ready`, timeoutMs, () => alive(s.name))));
}

/**
 * The single-process mode (tools/single-process.ts, `CERTCTL_SINGLE_PROCESS=1 npm start`): the
 * seven services in one Node process, each on its own port as usual; logs in <logDir>/platform.log.
 */
export interface SingleProcessStack {
  child: ServiceProcess;
  ports: Record<ServiceName, number>;
  logDir: string;
  env: NodeJS.ProcessEnv;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the single-process host (its log: <logDir>/platform.log). */
export function startSingleProcess({ env, logDir }: { env: NodeJS.ProcessEnv; logDir: string }): ServiceProcess {
  return spawnLogged(['--enable-source-maps', join(ROOT, 'dist', 'tools', 'single-process.js')], env, join(logDir, 'platform.log'));
}

/** Starts the seven services in one process and waits until each /ready answers 200. */
export async function startSingleProcessStack(
  o: { env?: NodeJS.ProcessEnv; logDir?: string; timeoutMs?: number } = {},
): Promise<SingleProcessStack> {
  const ports = servicePorts(o.env ?? process.env);
  const env = stackEnv(ports, o.env ?? process.env);
  const logDir = o.logDir ?? join(dataDir(env), 'logs');
  await assertPortsFree(ports);
  const child = startSingleProcess({ env, logDir });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await child.exited;
  };
  try {
    // The services start one after the other in the one process: the whole start may take the timeout.
    await waitStackReady(ports, o.timeoutMs ?? 120000, () => child.exitCode === null);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message} (see ${join(logDir, 'platform.log')})`);
  }
  return { child, ports, logDir, env, stop };
}

export async function startStack(
  o: { env?: NodeJS.ProcessEnv; ports?: Record<ServiceName, number>; logDir?: string; timeoutMs?: number } = {},
): Promise<Stack> {
  const ports = o.ports ?? servicePorts(o.env ?? process.env);
  const env = stackEnv(ports, o.env ?? process.env);
  const logDir = o.logDir ?? join(dataDir(env), 'logs');
  const timeoutMs = o.timeoutMs ?? 60000;
  await assertPortsFree(ports);
  const children = {} as Record<ServiceName, ServiceProcess>;
  for (const s of SERVICES) children[s.name] = startService(s.name, { env, port: ports[s.name], logDir });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    await Promise.all(
      Object.values(children).map(async (c) => {
        if (c.exitCode === null && c.signalCode === null) c.kill(signal);
        await c.exited;
      }),
    );
  };
  try {
    await waitStackReady(ports, timeoutMs, (name) => children[name].exitCode === null);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message} (see logs in ${logDir})`);
  }
  return { children, ports, logDir, env, stop };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
