import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, freePort, startService, waitReady } from '@certctl/testing';
import { readState, writeState } from './e2e-env';
import { api, exitsWithin } from './http';

async function handlerCount(port: number, subject: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('certctl_nats_handler_duration_seconds_count{') && l.includes(`subject="${subject}"`) && l.includes('result="ok"'),
    );
  return Number(line?.split(' ').pop() ?? 0);
}

describe('replicas, graceful shutdown and a service that is down', () => {
  it('ok/two inventory replicas share requests through the queue group; SIGTERM drains one with no failed request', async () => {
    const state = readState();
    const port = await freePort();
    const replica = startService('inventory', { env: { ...state.env }, port, logDir: state.logDir });
    try {
      await twoReplicas(replica, port, state.ports.inventory);
    } finally {
      // A failed check must not leave a second replica behind for the next test.
      if (replica.exitCode === null && replica.signalCode === null) {
        replica.kill('SIGTERM');
        await replica.exited;
      }
    }
  });

  async function twoReplicas(replica: ReturnType<typeof startService>, port: number, mainPort: number) {
    await waitReady(`http://127.0.0.1:${port}/ready`, 30000, () => replica.exitCode === null);
    const subject = 'certctl.v1.inventory.certificate.list';
    const before = [await handlerCount(mainPort, subject), await handlerCount(port, subject)];
    const results = await Promise.all(Array.from({ length: 40 }, () => api('GET', '/api/v1/certificates?limit=5')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const after = [await handlerCount(mainPort, subject), await handlerCount(port, subject)];
    expect(after[0] + after[1] - before[0] - before[1]).toBe(40); // each request handled exactly once
    expect(after[0]).toBeGreaterThan(before[0]);
    expect(after[1]).toBeGreaterThan(before[1]);

    const started = Date.now();
    const during = Promise.all(Array.from({ length: 20 }, () => api('GET', '/api/v1/certificates?limit=5')));
    replica.kill('SIGTERM');
    const { code } = await replica.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10000);
    expect((await during).map((r) => r.status)).toEqual(Array(20).fill(200));
  }

  it('fail/with inventory down the gateway answers 503 problem+json within the timeout, and recovers when it is back', async () => {
    const state = readState();
    process.kill(state.pids.inventory, 'SIGTERM');
    expect(await exitsWithin(state.pids.inventory, 10000)).toBe(true);

    try {
      const t0 = Date.now();
      const r = await api('GET', '/api/v1/certificates');
      const elapsed = Date.now() - t0;
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.code).toBe('service_unavailable');
      expect(elapsed).toBeLessThan(Number(state.env.CERTCTL_NATS_TIMEOUT_MS) + 1500);
    } finally {
      // Started again whatever the checks said: the suites after this one need inventory.
      const restarted = startService('inventory', { env: { ...state.env }, port: state.ports.inventory, logDir: state.logDir });
      restarted.unref();
      writeState({ ...state, pids: { ...state.pids, inventory: restarted.pid! } });
      await waitReady(`http://127.0.0.1:${state.ports.inventory}/ready`, 60000, () => restarted.exitCode === null);
    }
    expect((await api('GET', '/api/v1/certificates?limit=1')).status).toBe(200);
  });

  it('fail/invalid environment → exit code 1 naming every bad variable, secrets redacted', () => {
    const out = spawnSync(process.execPath, [join(ROOT, 'dist', 'apps', 'issuance', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: 'mysql://root:hunter2@db/x',
        REDIS_URL: 'redis://127.0.0.1:1',
        CERTCTL_ENCRYPTION_KEY: 'too-short',
        CERTCTL_ISSUANCE_PORT: 'eighty',
      },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(out.status).toBe(1);
    for (const v of ['DATABASE_URL', 'NATS_URL', 'CERTCTL_ENCRYPTION_KEY', 'CERTCTL_ISSUANCE_PORT']) expect(out.stderr).toContain(v);
    expect(out.stderr).not.toContain('hunter2');
    expect(out.stderr).not.toContain('too-short');
  });
});

describe('the audit trail survives a gateway shutdown', () => {
  it('a second gateway replica stopped with SIGTERM right after answering still writes every audit row', async () => {
    const state = readState();
    const port = await freePort();
    // HTTPS and metrics off: the first gateway holds the e2e HTTPS and metrics ports.
    const env = { ...state.env, CERTCTL_AUDIT_FLUSH_MS: '5000', CERTCTL_GATEWAY_TLS_PORT: '0', CERTCTL_GATEWAY_METRICS_PORT: '0' };
    const replica = startService('gateway', { env, port, logDir: state.logDir });
    await waitReady(`http://127.0.0.1:${port}/ready`, 30000, () => replica.exitCode === null);
    // Rows wait up to 5 s in this replica's buffer: only the shutdown flush can write them in time.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        fetch(`http://127.0.0.1:${port}/api/v1/certificates`, {
          method: 'POST',
          headers: { authorization: `Bearer ${state.adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `audit-flush-${i}` }),
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(422));
    const ids = answers.map((r) => r.headers.get('x-request-id'));
    replica.kill('SIGTERM');
    expect((await replica.exited).code).toBe(0);
    const rows = await api(
      'GET',
      `/api/v1/audit?action=certificate.create&limit=500&since=${encodeURIComponent(new Date(Date.now() - 60000).toISOString())}`,
    );
    const found = new Set(rows.body.data.map((e: { request_id: string }) => e.request_id));
    expect(ids.filter((id) => !found.has(id))).toEqual([]);
  });
});
