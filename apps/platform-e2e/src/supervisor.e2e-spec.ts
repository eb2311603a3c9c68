import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SERVICES, type TestNatsServer, createTestDatabase, freePort, infraEnv, portVar, startNatsServer } from '@certctl/testing';
import { validCertificate, waitFor } from './http';
import { waitGone } from './restart';

/**
 * `npm start`'s runner (dist/tools/run-stack.js) as a user runs it, on its own database, Redis
 * database, NATS server and ports: kill -9 of the issuance service while certificates wait to be
 * signed; the runner starts it again and the work it held is finished, once each.
 */
describe('npm start supervises its services', () => {
  let dir: string;
  let nats: TestNatsServer;
  let runner: ChildProcess;
  let gateway: string;
  const adminKey = `sup_${randomBytes(24).toString('base64url')}`;
  const output = () => readFileSync(join(dir, 'run-stack.out'), 'utf8');
  const servicePids = () =>
    Object.fromEntries(
      readFileSync(join(dir, 'data', 'services.pids'), 'utf8')
        .trim()
        .split('\n')
        .map((pid, i) => [SERVICES[i].name, Number(pid)]),
    );
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gateway}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15000),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certctl-supervised-'));
    const base = infraEnv();
    const databaseUrl = await createTestDatabase('certctl_supervised', base.DATABASE_URL);
    nats = await startNatsServer({ dir: join(dir, 'nats') });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      REDIS_URL: `${base.REDIS_URL.replace(/\/\d*$/, '')}/6`,
      NATS_URL: nats.url,
      CERTCTL_BUS_CREDENTIALS_FILE: nats.secretsFile,
      CERTCTL_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      CERTCTL_BOOTSTRAP_ADMIN_KEY: adminKey,
      CERTCTL_DATA_DIR: join(dir, 'data'),
      CERTCTL_GATEWAY_TLS_PORT: '0',
      CERTCTL_GATEWAY_METRICS_PORT: String(await freePort()),
      CERTCTL_ISSUANCE_BACKOFF_MS: '200',
      CERTCTL_START_TIMEOUT_MS: '170000',
    };
    for (const s of SERVICES) env[portVar(s.name)] = String(await freePort());
    gateway = `http://127.0.0.1:${env.CERTCTL_GATEWAY_PORT}`;
    const { default: IORedis } = await import('ioredis');
    const redis = new IORedis(env.REDIS_URL!);
    await redis.flushdb();
    await redis.quit();
    execFileSync(process.execPath, [join(ROOT, 'dist', 'tools', 'seed.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const out = openSync(join(dir, 'run-stack.out'), 'a');
    runner = spawn(process.execPath, [join(ROOT, 'dist', 'tools', 'run-stack.js')], { env, stdio: ['ignore', out, out] });
    await waitFor(
      async () => {
        if (runner.exitCode !== null) throw new Error(`run-stack exited ${runner.exitCode}:\n${output()}`);
        return /all 7 services ready/.test(output()) || undefined;
      },
      180000,
      'the supervised stack to be ready',
    );
  }, 240000);

  afterAll(async () => {
    if (runner?.exitCode === null) {
      runner.kill('SIGTERM');
      await waitGone(runner.pid!, 30000).catch(() => runner.kill('SIGKILL'));
    }
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60000);

  it('restarts a service killed with -9, and the certificates it was signing are issued once each', async () => {
    const before = servicePids();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await call('POST', '/api/v1/certificates', validCertificate(`supervised-${i}-${Date.now()}`));
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    process.kill(before.issuance, 'SIGKILL');
    await waitFor(async () => /issuance started again \(pid \d+\)/.test(output()) || undefined, 30000, 'the runner to restart issuance');
    expect(output()).toMatch(/issuance exited \(code null, signal SIGKILL\); restarting in 1 s/);
    const after = servicePids();
    expect(after.issuance).not.toBe(before.issuance);
    expect({ ...after, issuance: 0 }).toEqual({ ...before, issuance: 0 }); // the others untouched
    expect(() => process.kill(after.issuance, 0)).not.toThrow();

    // The jobs the killed worker held come back when their queue lock lapses (stalled-job check)
    // or inventory's reconciliation re-queues them: all 20 active within one bound.
    let waiting = [...ids];
    await waitFor(
      async () => {
        const statuses = await Promise.all(waiting.map(async (id) => [id, (await call('GET', `/api/v1/certificates/${id}`)).body.status]));
        waiting = statuses.filter(([, status]) => status !== 'active').map(([id]) => id as string);
        return waiting.length === 0 || undefined;
      },
      180000,
      'all 20 certificates issued',
    ).catch(async (err: Error) => {
      const jobs = await call('GET', `/api/v1/jobs?certificate_id=${waiting[0]}`);
      throw new Error(
        `${err.message}; not active: ${waiting.join(', ')}; jobs of the first: ${JSON.stringify(jobs.body.data ?? jobs.body)}`,
      );
    });
    for (const id of ids) {
      const versions = await call('GET', `/api/v1/certificates/${id}/versions`);
      expect({ id, versions: versions.body.data.length }).toEqual({ id, versions: 1 }); // nothing signed twice
    }
  }, 240000);

  it('stops every service it started (the restarted one too) on SIGTERM', async () => {
    const pids = servicePids();
    runner.kill('SIGTERM');
    await waitGone(runner.pid!, 30000);
    expect(runner.exitCode).toBe(0);
    for (const pid of Object.values(pids)) expect(() => process.kill(pid, 0)).toThrow();
  });
});
