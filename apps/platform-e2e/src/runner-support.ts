import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SERVICES, type TestNatsServer, createTestDatabase, freePort, infraEnv, portVar, startNatsServer } from '@certctl/testing';
import { waitFor } from './http';
import { waitGone } from './restart';

/**
 * `npm start`'s runner (dist/tools/run-stack.js) as a user runs it, on its own database, Redis
 * database, NATS server and ports, beside the e2e stack.
 */
export interface Runner {
  dir: string;
  runner: ChildProcess;
  gateway: string;
  ports: Record<string, number>;
  /** What the runner printed so far. */
  output(): string;
  /** The pids in <data dir>/services.pids, in their order. */
  pids(): number[];
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** SIGTERM to the runner (SIGKILL after 30 s), then the NATS server and the folder go. */
  stop(): Promise<void>;
}

export async function startRunner(o: { name: string; redisDb: number; env?: NodeJS.ProcessEnv }): Promise<Runner> {
  const dir = mkdtempSync(join(tmpdir(), `certctl-${o.name}-`));
  const adminKey = `run_${randomBytes(24).toString('base64url')}`;
  const base = infraEnv();
  const databaseUrl = await createTestDatabase(`certctl_${o.name.replace(/-/g, '_')}`, base.DATABASE_URL);
  const nats: TestNatsServer = await startNatsServer({ dir: join(dir, 'nats') });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    REDIS_URL: `${base.REDIS_URL.replace(/\/\d*$/, '')}/${o.redisDb}`,
    NATS_URL: nats.url,
    CERTCTL_BUS_CREDENTIALS_FILE: nats.secretsFile,
    CERTCTL_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    CERTCTL_BOOTSTRAP_ADMIN_KEY: adminKey,
    CERTCTL_DATA_DIR: join(dir, 'data'),
    CERTCTL_GATEWAY_TLS_PORT: '0',
    CERTCTL_GATEWAY_METRICS_PORT: String(await freePort()),
    CERTCTL_ISSUANCE_BACKOFF_MS: '200',
    CERTCTL_START_TIMEOUT_MS: '170000',
    ...o.env,
  };
  const ports: Record<string, number> = {};
  for (const s of SERVICES) {
    ports[s.name] = await freePort();
    env[portVar(s.name)] = String(ports[s.name]);
  }
  const gateway = `http://127.0.0.1:${ports.gateway}`;
  const { default: IORedis } = await import('ioredis');
  const redis = new IORedis(env.REDIS_URL!);
  await redis.flushdb();
  await redis.quit();
  execFileSync(process.execPath, [join(ROOT, 'dist', 'tools', 'seed.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const out = openSync(join(dir, 'run-stack.out'), 'a');
  const runner = spawn(process.execPath, [join(ROOT, 'dist', 'tools', 'run-stack.js')], { env, stdio: ['ignore', out, out] });
  const output = () => readFileSync(join(dir, 'run-stack.out'), 'utf8');
  const handle: Runner = {
    dir,
    runner,
    gateway,
    ports,
    output,
    pids: () =>
      readFileSync(join(dir, 'data', 'services.pids'), 'utf8')
        .trim()
        .split('\n')
        .map(Number),
    async call(method, path, body) {
      const res = await fetch(`${gateway}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(15000),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
    async stop() {
      if (runner.exitCode === null && runner.signalCode === null) {
        runner.kill('SIGTERM');
        await waitGone(runner.pid!, 30000).catch(() => runner.kill('SIGKILL'));
      }
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await waitFor(
    async () => {
      if (runner.exitCode !== null) throw new Error(`run-stack exited ${runner.exitCode}:\n${output()}`);
      return /all 7 services ready/.test(output()) || undefined;
    },
    180000,
    'the runner to report every service ready',
  ).catch(async (err: unknown) => {
    await handle.stop();
    throw err;
  });
  return handle;
}
