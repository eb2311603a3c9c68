import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { readState } from './e2e-env';
import { api, expectProblem, validCertificate, waitFor } from './http';

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/** One request written byte for byte (fetch would normalize the request target). */
function raw(requestLine: string, o: { tls?: boolean; headers?: string[]; body?: string } = {}): Promise<RawAnswer> {
  const state = readState();
  const lines = [requestLine, 'Host: localhost', 'Connection: close', ...(o.headers ?? [])];
  if (o.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(o.body)}`);
  const payload = `${lines.join('\r\n')}\r\n\r\n${o.body ?? ''}`;
  return new Promise((resolve, reject) => {
    const socket = o.tls
      ? tlsConnect({ host: '127.0.0.1', port: state.tls.port, servername: 'localhost', ca: readFileSync(join(state.tls.dir, 'ca.pem')) })
      : netConnect(state.ports.gateway, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.once(o.tls ? 'secureConnect' : 'connect', () => socket.write(payload));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.setTimeout(15000, () => socket.destroy(new Error('no answer in 15 s')));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n') });
    });
  });
}

const problemOf = (a: RawAnswer) => {
  expect(a.head.toLowerCase()).toContain('content-type: application/problem+json');
  return JSON.parse(a.body) as { status: number; code: string; detail: string };
};

describe('the gateway forwards only to its configured upstreams (proxy escape closed)', () => {
  it.each([false, true])('bad/absolute-form request lines are refused with 400, never forwarded (tls: %s)', async (tls) => {
    const { ports } = readState();
    const targets = [
      `http://127.0.0.1:${ports.inventory}/metrics`,
      `http://127.0.0.1:${ports.acme}/ready`,
      `http://127.0.0.1:${ports.gateway}/acme/directory`,
      `http://127.0.0.1:1/acme/directory`, // a closed port: no 503 that would make the gateway a port scanner
      'http://169.254.169.254/latest/meta-data/',
    ];
    for (const target of targets) {
      const a = await raw(`GET ${target} HTTP/1.1`, { tls, headers: ['Authorization: Bearer secret-that-must-not-travel'] });
      expect({ target, status: a.status }).toEqual({ target, status: 400 });
      expect(problemOf(a).code).toBe('bad_request');
      expect(a.body).not.toMatch(/certctl_|# TYPE|"checks"/);
    }
  });

  it('bad/authority-form (CONNECT) and asterisk-form targets are refused', async () => {
    for (const tls of [false, true]) {
      const connect = await raw(`CONNECT 127.0.0.1:${readState().ports.inventory} HTTP/1.1`, { tls });
      expect(connect.status).toBe(400);
      expect(problemOf(connect).code).toBe('bad_request');
    }
    const star = await raw('OPTIONS * HTTP/1.1');
    expect(star.status).toBe(400);
  });

  it.each([
    '/acme/../metrics',
    '/acme/%2e%2e/metrics',
    '/acme/%2E%2E/ready',
    '/acme/.%2e/health',
    '/.well-known/../metrics',
    '/.well-known/pki/..%2f..%2fmetrics',
    '/.well-known/%2e%2e/ready',
    '/api/v1/../../metrics',
  ])('bad/dot segments cannot climb out of a public prefix: %s → 400', async (path) => {
    const a = await raw(`GET ${path} HTTP/1.1`);
    expect(a.status).toBe(400);
    expect(problemOf(a).code).toBe('bad_request');
    expect(a.body).not.toMatch(/certctl_|# TYPE/);
  });

  it('ok/the public prefixes still reach their owners (ACME directory, CRL and OCSP paths)', async () => {
    const dir = await api('GET', '/acme/directory', { key: null });
    expect(dir.status).toBe(200);
    expect(dir.body.newNonce).toEqual(expect.stringContaining('/acme/new-nonce'));
  });

  it('ok/metrics are not served on the public listeners, only on the metrics port', async () => {
    const state = readState();
    const pub = await api('GET', '/metrics', { key: null });
    expectProblem(pub, 404);
    expect(pub.text).not.toContain('certctl_');
    const own = await fetch(`http://127.0.0.1:${state.env.CERTCTL_GATEWAY_METRICS_PORT}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('certctl_gateway_upstream_duration_seconds');
  });

  it('ok/the public version answer tells no runtime details', async () => {
    const v = await api('GET', '/api/v1/version', { key: null });
    expect(v.status).toBe(200);
    expect(Object.keys(v.body).sort()).toEqual(['name', 'version']);
  });
});

describe('hostile text never reaches storage, and the audit trail keeps writing', () => {
  it('bad/NUL in a path id, a query value and a body field: typed 4xx, never 500', async () => {
    const agents = await api('POST', '/api/v1/agents', { body: { name: `nul-agent-${Date.now()}` } });
    expect(agents.status).toBe(201);
    const agentId = agents.body.agent.id as string;
    const cases = [
      await api('GET', '/api/v1/certificates/%00', { key: null }),
      await api('GET', '/api/v1/certificates/%00'),
      await api('GET', '/api/v1/certificates?q=%00'),
      await api('GET', '/api/v1/audit?resource_id=%00'),
      await api('POST', `/api/v1/agents/${agentId}/heartbeat`, { key: agents.body.api_key, body: { hostname: 'h', os: 'linux\u0000' } }),
      await api('POST', '/api/v1/certificates', { body: { ...validCertificate('nul-body'), name: 'a\u0000b' } }),
      await api('GET', '/acme/order/%00', { key: null }),
    ];
    for (const r of cases) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('ok/after GET /certificates/%00 without a key, an audited write still gets its audit row within the flush interval', async () => {
    await api('GET', '/api/v1/certificates/%00', { key: null });
    const created = await api('POST', '/api/v1/owners', { body: { name: `audit-after-nul-${Date.now()}`, email: 'a@example.com' } });
    expect(created.status).toBe(201);
    const row = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/audit?resource_id=${created.body.id}`);
        return r.body.data?.length ? r.body.data[0] : undefined;
      },
      5000,
      'the audit row of the write',
    );
    expect(row).toMatchObject({ method: 'POST', status: 201, resource_id: created.body.id });
  });

  it('bad/JSON nested 100,000 deep answers 400, JSON just under the body limit answers 4xx', async () => {
    const deep = '['.repeat(100000) + ']'.repeat(100000);
    const a = await api('POST', '/api/v1/certificates', { raw: deep });
    expect(a.status).toBeGreaterThanOrEqual(400);
    expect(a.status).toBeLessThan(500);
    const nested = await api('POST', '/api/v1/certificates', { raw: `{"name":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}` });
    expectProblem(nested, 400);
    const limit = Number(readState().env.CERTCTL_MAX_BODY_BYTES);
    const near = await api('POST', '/api/v1/owners', {
      raw: JSON.stringify({ name: 'n', email: 'e@example.com', x: 'y'.repeat(limit - 60) }),
    });
    expect(near.status).toBeGreaterThanOrEqual(400);
    expect(near.status).toBeLessThan(500);
    const tags = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'v'.repeat(20)]));
    const wide = await api('POST', '/api/v1/certificates', { body: { ...validCertificate('wide-tags'), tags } });
    expect(wide.status).toBeGreaterThanOrEqual(400);
    expect(wide.status).toBeLessThan(500);
  });
});
