// Starts and stops the seven services from their built bundles (dist/apps/<app>/main.js).
// Used by `npm start` (tools/run-stack.mjs) and by the end-to-end tests.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Default HTTP ports: the gateway serves the API; every service serves /health, /ready, /metrics. */
export const SERVICES = [
  { name: 'gateway', port: 8080 },
  { name: 'inventory', port: 8081 },
  { name: 'issuance', port: 8082 },
  { name: 'acme', port: 8083 },
  { name: 'revocation', port: 8084 },
  { name: 'scheduler', port: 8085 },
  { name: 'notifications', port: 8086 },
];

export const portVar = (name) => `CERTCTL_${name.toUpperCase()}_PORT`;

/** Resolved port of each service: env override, else default + offset. */
export function servicePorts(env = process.env, offset = 0) {
  return Object.fromEntries(SERVICES.map((s) => [s.name, Number(env[portVar(s.name)] ?? s.port + offset)]));
}

export function startService(name, { env, port, logDir }) {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--enable-source-maps', join(ROOT, 'dist', 'apps', name, 'main.js')], {
    env: { ...env, [portVar(name)]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

export async function waitReady(url, timeoutMs, isAlive = () => true) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`${url}: process exited before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
}

/** Starts every service and waits until each /ready answers 200. */
export async function startStack({ env = process.env, ports = servicePorts(env), logDir = join(ROOT, '.local', 'logs'), timeoutMs = 60000 } = {}) {
  const children = {};
  for (const s of SERVICES) children[s.name] = startService(s.name, { env, port: ports[s.name], logDir });
  const stop = async (signal = 'SIGTERM') => {
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
    throw new Error(`${err.message} (see logs in ${logDir})`);
  }
  return { children, ports, logDir, stop };
}
