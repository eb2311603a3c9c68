import Fastify from 'fastify';
import { createLogger } from '@certctl/observability';
import type { AcmeConfig } from '../config';
import { AcmeError } from '../protocol/errors';
import type { NonceService } from '../protocol/nonces';
import { installAcmeEdge } from './acme-edge';

/** The ACME edge's access log: answers below 400 are left to the gateway's log, refusals are logged here. */
describe('ACME edge access log', () => {
  const logger = createLogger('acme');
  const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  const config = {
    CERTCTL_ACME_BODY_LIMIT_BYTES: 65536,
    CERTCTL_PUBLIC_BASE_URL: 'http://localhost:8080',
    CERTCTL_ACME_ALLOWED_HOSTS: [],
    CERTCTL_GATEWAY_PORT: 8080,
    CERTCTL_GATEWAY_TLS_PORT: 0,
  } as unknown as AcmeConfig;
  const nonces = { issue: () => 'nonce' } as unknown as NonceService;

  async function app() {
    const fastify = Fastify();
    const seen: unknown[] = [];
    await fastify.register(
      async (scope) => {
        installAcmeEdge(scope, config, nonces);
        scope.get('/ok', async () => ({ fine: true }));
        scope.get('/refused', async () => {
          throw new AcmeError('unauthorized', 'not yours');
        });
        scope.addHook('onRequest', async (req) => void seen.push(req.routeOptions.config));
      },
      { prefix: '/acme' },
    );
    fastify.get('/outside', async () => ({}));
    fastify.addHook('onRequest', async (req) => void seen.push(req.routeOptions.config));
    return { fastify, seen };
  }

  beforeEach(() => info.mockClear());

  it('ok/every ACME route opts out of the platform access log; a route outside the ACME scope does not', async () => {
    const { fastify, seen } = await app();
    await fastify.inject({ url: '/acme/ok' });
    expect(seen[0]).toMatchObject({ accessLog: false });
    seen.length = 0;
    await fastify.inject({ url: '/outside' });
    expect(seen[0]).not.toMatchObject({ accessLog: false });
    await fastify.close();
  });

  it('ok/an answer below 400 writes no access line here (the gateway has it); the nonce and no-store headers are still set', async () => {
    const { fastify } = await app();
    const res = await fastify.inject({ url: '/acme/ok', headers: { 'x-request-id': 'r-ok' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['replay-nonce']).toBe('nonce');
    expect(info.mock.calls.filter(([, msg]) => msg === 'http request')).toHaveLength(0);
    await fastify.close();
  });

  it('fail/a refused request is logged with its status, route and duration', async () => {
    const { fastify } = await app();
    const res = await fastify.inject({ url: '/acme/refused?x=1' });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const lines = info.mock.calls.filter(([, msg]) => msg === 'http request');
    expect(lines).toHaveLength(1);
    expect(lines[0][0]).toMatchObject({ method: 'GET', path: '/acme/refused', route: '/acme/refused', status: 403 });
    expect(typeof (lines[0][0] as unknown as { duration_ms: number }).duration_ms).toBe('number');
    await fastify.close();
  });
});
