// Starts and stops the seven services from their built bundles (dist/apps/<app>/main.js).
// Used by `npm start` (tools/run-stack.mjs) and by the end-to-end tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
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
  mkdirSync(logDir, { recursive: true });
  // Logs go straight to the file (not through this process), so they survive it. A second
  // replica of a service names its own file (`logName`, e.g. `issuance-2`).
  const log = openSync(join(logDir, `${logName}.log`), 'a');
  const child = spawn(process.execPath, ['--enable-source-maps', ...profilerArgs(name, env), join(ROOT, 'dist', 'apps', name, 'main.js')], {
    env: { ...serviceEnv(name, env), [portVar(name)]: String(port) },
    stdio: ['ignore', log, log],
  }) as ServiceProcess;
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

export async function startStack(
  o: { env?: NodeJS.ProcessEnv; ports?: Record<ServiceName, number>; logDir?: string; timeoutMs?: number } = {},
): Promise<Stack> {
  const ports = o.ports ?? servicePorts(o.env ?? process.env);
  // The gateway forwards public protocol paths to the services that own them, on these ports.
  const env = {
    CERTCTL_ACME_URL: `http://127.0.0.1:${ports.acme}`,
    CERTCTL_REVOCATION_URL: `http://127.0.0.1:${ports.revocation}`,
    ...readinessUrls(ports),
    ...(o.env ?? process.env),
  };
  const logDir = o.logDir ?? join(dataDir(env), 'logs');
  const timeoutMs = o.timeoutMs ?? 60000;
  // A port already answering would make a service that cannot listen look ready.
  const taken = (await Promise.all(SERVICES.map(async (s) => ((await portAnswers(ports[s.name])) ? s.name : null)))).filter(Boolean);
  if (taken.length) {
    const list = taken.map((name) => `${ports[name as ServiceName]} (${name}, ${portVar(name as ServiceName)})`).join(', ');
    throw new Error(`port ${list} already in use: another certctl-ts stack (npm stop ends the one npm start runs) or another program`);
  }
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
    await Promise.all(
      SERVICES.map((s) => waitReady(`http://127.0.0.1:${ports[s.name]}/ready`, timeoutMs, () => children[s.name].exitCode === null)),
    );
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
