import { type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { AppError } from '@certctl/contracts';
import type { GatewayConfig } from '../config';
import { installPublicProxy, targetProblem, upstreamOf, upstreamPath } from './proxy';

describe('request targets the gateway serves', () => {
  it.each([
    ['http://127.0.0.1:8081/metrics', 'absolute form'],
    ['https://169.254.169.254/latest/meta-data/', 'absolute form to cloud metadata'],
    ['127.0.0.1:8081', 'authority form'],
    ['*', 'asterisk form'],
    ['//evil.example/acme/directory', 'network-path reference'],
    ['/acme/../metrics', 'dot segment'],
    ['/acme/./directory', 'single dot segment'],
    ['/acme/%2e%2e/metrics', 'encoded dot segment'],
    ['/acme/%2E%2e/metrics', 'mixed-case encoded dot segment'],
    ['/acme/.%2e/metrics', 'half-encoded dot segment'],
    ['/acme/..%2f..%2fmetrics', 'dot segments behind an encoded slash'],
    ['/acme/..%5cmetrics', 'dot segment behind an encoded backslash'],
    ['/acme\\..\\metrics', 'backslash'],
    ['/api/v1/certificates/%00', 'NUL'],
    ['/acme/%E0%A4%A', 'broken percent-encoding'],
  ])('bad/%s is refused (%s)', (target) => {
    expect(targetProblem(target)).toEqual(expect.any(String));
    expect(() => upstreamPath(target, '/acme')).toThrow(AppError);
  });

  it.each([
    '/acme/directory',
    '/acme/order/abc.def',
    '/acme/authz/a..b',
    '/.well-known/pki/ocsp/MEUwQzBBMD8wPTAJBgUrDgMCGgUABBQ%2FabcD%2B%3D',
    '/api/v1/certificates?q=..%2f..',
    '/acme/new-nonce?x=%00', // the query is not a path: its values are checked as fields
  ])('ok/%s is served', (target) => {
    expect(targetProblem(target)).toBeNull();
  });

  it('ok/the upstream path stays under the route prefix and keeps the query', () => {
    expect(upstreamPath('/acme/new-order?a=1', '/acme')).toBe('/acme/new-order?a=1');
    expect(upstreamPath('/acme', '/acme')).toBe('/acme');
    expect(() => upstreamPath('/acmex/directory', '/acme')).toThrow(/under \/acme/);
    expect(() => upstreamPath('/metrics', '/.well-known')).toThrow(AppError);
  });

  it('ok/the upstream host comes from configuration only', () => {
    const up = upstreamOf('acme', '/acme', 'http://127.0.0.1:8083');
    expect(up).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 8083, prefix: '/acme' });
    expect(upstreamOf('r', '/.well-known', 'https://[::1]')).toMatchObject({ protocol: 'https:', hostname: '::1', port: 443 });
  });
});

describe('the upstream connection pool', () => {
  it('ok/rounds of 100 concurrent forwarded requests reuse the same 100 upstream connections', async () => {
    let connections = 0;
    const server = createServer((_req, res) => res.end('ok')).on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const up = upstreamOf('revocation', '/.well-known', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const once = () =>
      new Promise<void>((resolve, reject) => {
        const req = request({ hostname: up.hostname, port: up.port, path: '/.well-known/x', agent: up.agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject).end();
      });
    try {
      for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 100 }, once));
      expect(connections).toBe(100);
    } finally {
      up.agent.destroy();
      server.close();
    }
  });
});

describe('an owning service that stops answering', () => {
  it('fail/opens the circuit after consecutive timeouts: the gateway then answers 503 at once without forwarding, and closes it when a probe is answered', async () => {
    let received = 0;
    let answering = false;
    const stalled: ServerResponse[] = [];
    const server = createServer((_req, res) => {
      received++;
      if (answering) res.end('ocsp');
      else stalled.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const saved = { ...process.env };
    Object.assign(process.env, { CERTCTL_BREAKER_FAILURES: '3', CERTCTL_BREAKER_OPEN_MS: '300', CERTCTL_BREAKER_MAX_OPEN_MS: '1000' });
    const app = Fastify();
    try {
      await installPublicProxy(app, {
        CERTCTL_ACME_URL: base,
        CERTCTL_REVOCATION_URL: base,
        CERTCTL_UPSTREAM_TIMEOUT_MS: 200,
      } as GatewayConfig);
      const get = async () => {
        const t0 = Date.now();
        const res = await app.inject({ method: 'GET', url: '/.well-known/pki/ocsp/abc' });
        return { status: res.statusCode, type: res.headers['content-type'], body: res.body, ms: Date.now() - t0 };
      };
      for (let i = 0; i < 3; i++)
        expect(await get()).toMatchObject({ status: 504, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(received).toBe(3);
      const refused = await get();
      expect(refused).toMatchObject({ status: 503, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(JSON.parse(refused.body)).toMatchObject({
        code: 'service_unavailable',
        detail: expect.stringMatching(/revocation service did not answer 3 calls in a row/),
      });
      expect(refused.ms).toBeLessThan(100);
      expect(received).toBe(3);
      // ACME has its own circuit: still closed.
      const acme = await app.inject({ method: 'GET', url: '/acme/directory' });
      expect(acme.statusCode).toBe(504);

      answering = true;
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(await get()).toMatchObject({ status: 200, body: 'ocsp' });
      expect(await get()).toMatchObject({ status: 200, body: 'ocsp' });
    } finally {
      process.env = saved;
      for (const res of stalled) res.destroy();
      await app.close();
      server.close();
    }
  });
});
