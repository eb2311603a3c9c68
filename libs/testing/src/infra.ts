import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type BusSecrets, type MessagingOptions, busEnvFor, generateBusSecrets, natsServerConfig } from '@certctl/messaging';
import { ROOT, dataDir } from './paths';

/** Local infrastructure defaults (tools/infra/env.sh), overridable by the environment. */
export function infraEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    DATABASE_URL: env.DATABASE_URL ?? `postgresql://certctl:certctl@127.0.0.1:${env.CERTCTL_PG_PORT ?? 15432}/certctl`,
    REDIS_URL: env.REDIS_URL ?? `redis://${redisAuth(env)}127.0.0.1:${env.CERTCTL_REDIS_PORT ?? 16379}`,
    NATS_URL: env.NATS_URL ?? `nats://127.0.0.1:${env.CERTCTL_NATS_PORT ?? 14222}`,
  };
}

/** The local Redis password (tools/infra/env.sh keeps it in <data dir>/redis-password) as URL user info. */
function redisAuth(env: NodeJS.ProcessEnv): string {
  const file = join(dataDir(env), 'redis-password');
  return existsSync(file) ? `:${encodeURIComponent(readFileSync(file, 'utf8').trim())}@` : '';
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

export interface TestNatsServer {
  url: string;
  pid: number;
  /** The bus secrets this server knows (one user per service, principal keys), also in `secretsFile`. */
  secrets: BusSecrets;
  secretsFile: string;
  /** A client allowed every subject, for test drivers that play several services at once. */
  test: { user: string; pass: string };
  /** One service's bus environment (NATS user, principal keys), as `npm start` gives it. */
  envFor(service: string): Record<string, string>;
  /** RpcClient options of a test driver: the user allowed everything, signing principals with the gateway's key. */
  driverOptions(timeoutMs: number): MessagingOptions;
  stop(): Promise<void>;
}

/**
 * A private nats-server for tests that must not share subjects with a running stack. It runs
 * with the generated per-service users and permissions (as `npm start` does), so the services
 * under test prove their permissions suffice; `test` is a user allowed everything for the driver.
 */
export async function startNatsServer(o: { port?: number; dir?: string } = {}): Promise<TestNatsServer> {
  const p = o.port ?? (await freePort());
  // Its configuration and secrets: in `dir` (kept) or a temporary folder (removed by stop()).
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'certctl-nats-'));
  mkdirSync(dir, { recursive: true });
  const secrets = generateBusSecrets();
  const secretsFile = join(dir, 'bus-credentials.json');
  writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  const test = { user: 'test-driver', pass: randomBytes(18).toString('base64url') };
  const everything = { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } };
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, natsServerConfig(secrets.nats, [], [{ user: test.user, password: test.pass, permissions: everything }]), {
    mode: 0o600,
  });
  // With JetStream (the domain events stream), stored in the server's folder.
  const child = spawn('nats-server', ['-c', conf, '-a', '127.0.0.1', '-p', String(p), '-js', '-sd', join(dir, 'jetstream')], {
    stdio: 'ignore',
    detached: false,
  });
  await waitForPort(p);
  return {
    url: `nats://127.0.0.1:${p}`,
    pid: child.pid!,
    secrets,
    secretsFile,
    test,
    envFor: (service) => busEnvFor(service, secrets),
    driverOptions: (timeoutMs) => ({
      servers: `nats://127.0.0.1:${p}`,
      service: 'gateway',
      timeoutMs,
      user: test.user,
      password: test.pass,
      signingKey: secrets.principal.gateway?.signingKey,
    }),
    stop: () =>
      new Promise((resolve) => {
        const done = () => (o.dir ? undefined : rmSync(dir, { recursive: true, force: true }), resolve());
        if (child.exitCode !== null) return done();
        child.once('exit', done);
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
