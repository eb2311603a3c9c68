import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT } from './paths';

/** Local infrastructure defaults (tools/infra/env.sh), overridable by the environment. */
export function infraEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    DATABASE_URL: env.DATABASE_URL ?? `postgresql://certctl:certctl@127.0.0.1:${env.CERTCTL_PG_PORT ?? 55432}/certctl`,
    REDIS_URL: env.REDIS_URL ?? `redis://127.0.0.1:${env.CERTCTL_REDIS_PORT ?? 56379}`,
    NATS_URL: env.NATS_URL ?? `nats://127.0.0.1:${env.CERTCTL_NATS_PORT ?? 54222}`,
  };
}

/** Brings up PostgreSQL, Redis and NATS with the project's own script (idempotent). */
export function ensureInfra(): void {
  execFileSync('bash', [join(ROOT, 'tools', 'infra', 'up.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export function databaseUrlFor(baseUrl: string, name: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, migrated database next to the base one (dropped first if it exists). */
export async function createTestDatabase(name: string, baseUrl = infraEnv().DATABASE_URL): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  const admin = new Client({ connectionString: databaseUrlFor(baseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrlFor(baseUrl, name);
  execFileSync(process.execPath, [join(ROOT, 'tools', 'db', 'migrate.mjs')], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return url;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

/** A private nats-server for tests that must not share subjects with a running stack. */
export async function startNatsServer(port?: number): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const p = port ?? (await freePort());
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(p)], { stdio: 'ignore', detached: false });
  await waitForPort(p);
  return {
    url: `nats://127.0.0.1:${p}`,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Whether a process with this id exists (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
