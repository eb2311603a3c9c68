// Endpoint health checks over the real stack: a local TLS server serves certificate A, then B
// (an old certificate left in place after a renewal), then stops; the checks follow, the
// status change reaches a webhook through a notification rule, and history and delete work.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Server, createServer } from 'node:tls';
import { startHttpReceiver } from '@certctl/testing';
import { e2ePortOffset } from './e2e-env';
import { api, auditRows, expectProblem, waitFor } from './http';

/** A self-signed P-256 certificate for `cn`, made by openssl. */
function selfSigned(dir: string, cn: string) {
  const keyFile = join(dir, `${cn}.key`);
  const certFile = join(dir, `${cn}.crt`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat([
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certFile, 'utf8');
  return { key: readFileSync(keyFile, 'utf8'), cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}

const hex = (colonFingerprint: string) => colonFingerprint.replace(/:/g, '').toLowerCase();

describe('endpoint health checks', () => {
  const run = Date.now().toString(36);
  // Below the ephemeral range (32768–60999), so no outgoing connection holds it.
  const port = 22000 + Math.floor(e2ePortOffset() / 100) + 2;
  const dir = mkdtempSync(join(tmpdir(), 'certctl-hc-'));
  const certA = selfSigned(dir, 'hc-a.test');
  const certB = selfSigned(dir, 'hc-b.test');
  let server: Server | undefined;
  let hook: Awaited<ReturnType<typeof startHttpReceiver>>;
  const received: string[] = [];
  let checkId: string;

  async function listen(): Promise<void> {
    server = createServer({ key: certA.key, cert: certA.cert }, (socket) => socket.end());
    await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(port, '127.0.0.1', resolve));
    expect((server.address() as AddressInfo).port).toBe(port);
  }
  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  const probe = async () => {
    const r = await api('POST', `/api/v1/health-checks/${checkId}/check`);
    expect(r.status).toBe(200);
    return r.body as {
      check: { status: string; consecutive_failures: number; served_fingerprint: string | null };
      result: Record<string, unknown>;
    };
  };

  beforeAll(async () => {
    hook = await startHttpReceiver((_req, body) => {
      received.push(body);
      return 200;
    });
    const channel = await api('POST', '/api/v1/notification-channels', {
      body: { name: `hc-hook-${run}`, type: 'webhook', config: { url: `${hook.url}/health` } },
    });
    expect(channel.status).toBe(201);
    const rule = await api('POST', '/api/v1/notification-rules', {
      body: { name: `hc-rule-${run}`, events: ['health.status_changed'], min_severity: 'warning', channel_ids: [channel.body.id] },
    });
    expect(rule.status).toBe(201);
    await listen();
  }, 60000);

  afterAll(async () => {
    await stop();
    await hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fail/bad input is a typed 422 naming the field: host, port, interval, fingerprint', async () => {
    const base = { name: `hc-bad-${run}`, host: '127.0.0.1', port };
    for (const [field, body] of [
      ['host', { ...base, host: 'not a host!' }],
      ['port', { ...base, port: 70000 }],
      ['interval_seconds', { ...base, interval_seconds: 5 }],
      ['expected_fingerprint', { ...base, expected_fingerprint: 'abc' }],
    ] as const) {
      const r = await api('POST', '/api/v1/health-checks', { body });
      expectProblem(r, 422);
      expect(JSON.stringify(r.body)).toContain(field);
    }
    expectProblem(await api('GET', '/api/v1/health-checks/hc-nope'), 404);
  });

  it('ok/certificate A expected and served: healthy, with the served fingerprint and an audited creation', async () => {
    const created = await api('POST', '/api/v1/health-checks', {
      body: {
        name: `hc-${run}`,
        host: '127.0.0.1',
        port,
        sni: 'hc-a.test',
        expected_fingerprint: certA.fingerprint, // colon form, as openssl and browsers print it
        interval_seconds: 30,
        timeout_ms: 2000,
        enabled: false, // probed only on request below, so the counts are exact
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'unknown', expected_fingerprint: hex(certA.fingerprint) });
    checkId = created.body.id;
    const first = await probe();
    expect(first.check).toMatchObject({ status: 'healthy', consecutive_failures: 0, served_fingerprint: hex(certA.fingerprint) });
    expect(first.result).toMatchObject({ ok: true, status_after: 'healthy', served_fingerprint: hex(certA.fingerprint) });
    const audit = await auditRows('health_check.create', checkId);
    expect(audit).toHaveLength(1);
  });

  it('fail/the server left on certificate B after a renewal: cert_mismatch, and the rule delivers a warning', async () => {
    server!.setSecureContext({ key: certB.key, cert: certB.cert });
    const out = await probe();
    expect(out.check).toMatchObject({ status: 'cert_mismatch', served_fingerprint: hex(certB.fingerprint) });
    const delivered = await waitFor(
      async () => received.find((body) => body.includes(checkId) && body.includes('cert_mismatch')),
      20000,
      'the cert_mismatch alert at the webhook',
    );
    const payload = JSON.parse(delivered);
    expect(JSON.stringify(payload)).toContain('health.status_changed');
    expect(JSON.stringify(payload)).toContain('warning');
    expect((await api('GET', '/api/v1/health-checks/summary')).body.by_status.cert_mismatch).toBeGreaterThanOrEqual(1);
  });

  it('fail/the server stopped: one failure keeps the status, degraded after 2, down after 5 (critical alert)', async () => {
    await stop();
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await probe()).check.status);
    expect(statuses).toEqual(['cert_mismatch', 'degraded', 'degraded', 'degraded', 'down']);
    const got = await api('GET', `/api/v1/health-checks/${checkId}`);
    expect(got.body).toMatchObject({ status: 'down', consecutive_failures: 5, last_error: expect.stringContaining('127.0.0.1') });
    await waitFor(async () => received.find((body) => body.includes(checkId) && body.includes('"critical"')), 20000, 'the down alert');
  });

  it('ok/history lists every probe newest first, with a working cursor', async () => {
    const page1 = await api('GET', `/api/v1/health-checks/${checkId}/history?limit=4`);
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((r: { status_after: string }) => r.status_after)).toEqual(['down', 'degraded', 'degraded', 'degraded']);
    const page2 = await api('GET', `/api/v1/health-checks/${checkId}/history?limit=4&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data.map((r: { status_after: string; ok: boolean }) => [r.status_after, r.ok])).toEqual([
      ['cert_mismatch', false],
      ['cert_mismatch', true],
      ['healthy', true],
    ]);
    expect(page2.body.next_cursor).toBeNull();
  });

  it('ok/an enabled check is probed by the scheduler loop on its own', async () => {
    await listen();
    const patched = await api('PATCH', `/api/v1/health-checks/${checkId}`, {
      body: { enabled: true, expected_fingerprint: certA.fingerprint },
    });
    expect(patched.status).toBe(200);
    const healthy = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/health-checks/${checkId}`);
        return r.body.status === 'healthy' ? r.body : undefined;
      },
      30000,
      'the scheduler to probe the enabled check',
    );
    expect(healthy.served_fingerprint).toBe(hex(certA.fingerprint));
  });

  it('ok/delete removes the check and its history', async () => {
    const r = await api('DELETE', `/api/v1/health-checks/${checkId}`);
    expect(r.status).toBe(204);
    expectProblem(await api('GET', `/api/v1/health-checks/${checkId}`), 404);
    expectProblem(await api('GET', `/api/v1/health-checks/${checkId}/history`), 404);
  });
});
