import type { IncomingHttpHeaders } from 'node:http';
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import Fastify from 'fastify';
import type { Clock } from '@certctl/platform';
import type { RpcClient } from '@certctl/messaging';
import type { GatewayConfig } from '../config';
import { MAX_CACHED_BODY_BYTES, PublicResponseCache, reusableForMs } from './public-cache';
import { installPublicProxy } from './proxy';

const answer = (cacheControl: string | undefined, body = 'ocsp', extra: IncomingHttpHeaders = {}) => ({
  status: 200,
  headers: { 'content-type': 'application/ocsp-response', ...(cacheControl ? { 'cache-control': cacheControl } : {}), ...extra },
  body: Buffer.from(body),
});

class TestClock implements Clock {
  ms = 1_000_000;
  nowMs = () => this.ms;
  now = () => new Date(this.ms);
}

function cacheOf(ttlMs = 2000, maxBytes = 1024 * 1024, clock = new TestClock(), bus?: RpcClient) {
  return new PublicResponseCache({ CERTCTL_GATEWAY_PUBLIC_CACHE_MS: ttlMs, CERTCTL_GATEWAY_PUBLIC_CACHE_MAX_BYTES: maxBytes }, bus, clock);
}

describe('which answers a shared cache may reuse (RFC 9111)', () => {
  it.each([
    ['public, max-age=60', 60_000],
    ['max-age=5, public', 5_000],
    ['public, s-maxage=7, max-age=60', 7_000],
    ['PUBLIC, MAX-AGE="3"', 3_000],
  ])('ok/%s → %d ms', (cc, ms) => {
    expect(reusableForMs(200, answer(cc).headers)).toBe(ms);
  });

  it.each([
    ['no Cache-Control', 200, undefined, {}],
    ['not public', 200, 'max-age=60', {}],
    ['no-cache', 200, 'public, no-cache', {}],
    ['no-store', 200, 'public, max-age=60, no-store', {}],
    ['private', 200, 'public, private, max-age=60', {}],
    ['max-age=0', 200, 'public, max-age=0', {}],
    ['bad max-age', 200, 'public, max-age=abc', {}],
    ['an error status', 404, 'public, max-age=60', {}],
    ['varies by a header', 200, 'public, max-age=60', { vary: 'accept' }],
    ['sets a cookie', 200, 'public, max-age=60', { 'set-cookie': ['a=b'] }],
  ])('fail/%s is not reused', (_what, status, cc, extra) => {
    expect(reusableForMs(status as number, answer(cc as string | undefined, 'x', extra as IncomingHttpHeaders).headers)).toBe(0);
  });
});

describe('the public answer cache', () => {
  it('ok/serves a stored answer until the shorter of its max-age and the configured time', () => {
    const clock = new TestClock();
    const cache = cacheOf(2000, 1024, clock);
    expect(cache.store('/a', cache.generation(), answer('public, max-age=60'))).toBe(true);
    expect(cache.store('/b', cache.generation(), answer('public, max-age=1'))).toBe(true);
    clock.ms += 999;
    expect(cache.get('/a')?.body.toString()).toBe('ocsp');
    expect(cache.get('/b')).toBeDefined();
    clock.ms += 1; // /b's own max-age (1 s) is over
    expect(cache.get('/b')).toBeUndefined();
    clock.ms += 1000; // the configured 2 s are over
    expect(cache.get('/a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('fail/an answer that was on its way during a purge is not stored', () => {
    const cache = cacheOf();
    const generation = cache.generation();
    cache.purge('revocation_event');
    expect(cache.store('/a', generation, answer('public, max-age=60'))).toBe(false);
    expect(cache.get('/a')).toBeUndefined();
    expect(cache.store('/a', cache.generation(), answer('public, max-age=60'))).toBe(true);
  });

  it('ok/keeps within its byte bound, dropping the oldest first; a body over the limit is never kept', () => {
    const cache = cacheOf(2000, 10);
    cache.store('/a', 0, answer('public, max-age=60', 'aaaa'));
    cache.store('/b', 0, answer('public, max-age=60', 'bbbb'));
    cache.store('/c', 0, answer('public, max-age=60', 'cccc'));
    expect([cache.get('/a'), cache.get('/b')?.body.toString(), cache.get('/c')?.body.toString()]).toEqual([undefined, 'bbbb', 'cccc']);
    expect(cacheOf(2000, 1024 * 1024).store('/big', 0, answer('public, max-age=60', 'x'.repeat(MAX_CACHED_BODY_BYTES + 1)))).toBe(false);
  });

  it('ok/off when its time is 0: nothing stored, nothing served', () => {
    const cache = cacheOf(0);
    expect(cache.enabled).toBe(false);
    expect(cache.store('/a', 0, answer('public, max-age=60'))).toBe(false);
    expect(cache.get('/a')).toBeUndefined();
  });

  it('ok/a revocation event or a bus reconnect empties it', () => {
    const handlers: Record<string, () => void> = {};
    let reconnect: () => void = () => undefined;
    const bus = {
      onEvent: (event: { subject: string }, handler: () => void) => {
        handlers[event.subject] = handler;
        return () => delete handlers[event.subject];
      },
      onReconnect: (h: () => void) => (reconnect = h),
    } as unknown as RpcClient;
    const cache = cacheOf(2000, 1024, new TestClock(), bus);
    cache.onApplicationBootstrap();
    expect(Object.keys(handlers).sort()).toEqual(['certctl.v1.events.certificate.revoked', 'certctl.v1.events.certificate.unrevoked']);
    for (const fire of [
      handlers['certctl.v1.events.certificate.revoked'],
      handlers['certctl.v1.events.certificate.unrevoked'],
      reconnect,
    ]) {
      cache.store('/a', cache.generation(), answer('public, max-age=60'));
      expect(cache.size).toBe(1);
      fire();
      expect(cache.size).toBe(0);
    }
    cache.onApplicationShutdown();
    expect(Object.keys(handlers)).toEqual([]);
  });
});

describe('the forwarder with the public answer cache', () => {
  it('ok/a repeated OCSP GET is answered from the gateway (with Age) until an ACME revocation goes through; no-cache answers and POSTs always reach the owner', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.setHeader('x-request-id', String(req.headers['x-request-id']));
      if (req.url?.startsWith('/.well-known/pki/ocsp/')) {
        res.setHeader('cache-control', 'public, max-age=60');
        res.end(`ocsp ${seen.length}`);
      } else if (req.url === '/.well-known/pki/nocache') {
        res.setHeader('cache-control', 'no-cache');
        res.end('fresh');
      } else res.end('acme');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clock = new TestClock();
    const cache = cacheOf(2000, 1024 * 1024, clock);
    const app = Fastify();
    try {
      await installPublicProxy(
        app,
        { CERTCTL_ACME_URL: base, CERTCTL_REVOCATION_URL: base, CERTCTL_UPSTREAM_TIMEOUT_MS: 2000 } as GatewayConfig,
        cache,
      );
      const get = (url: string) => app.inject({ method: 'GET', url });
      const first = await get('/.well-known/pki/ocsp/abc');
      expect(first.body).toBe('ocsp 1');
      expect(first.headers.age).toBeUndefined();
      clock.ms += 1500;
      const second = await get('/.well-known/pki/ocsp/abc');
      expect([second.statusCode, second.body, second.headers.age, second.headers['cache-control']]).toEqual([
        200,
        'ocsp 1',
        '1',
        'public, max-age=60',
      ]);
      expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
      expect((await get('/.well-known/pki/ocsp/other')).body).toBe('ocsp 2'); // another request: its own entry
      // Conditional requests and clients asking for a fresh answer reach the owner (its 304 logic stays).
      for (const headers of [{ 'if-none-match': '"x"' }, { 'cache-control': 'no-cache' }, { range: 'bytes=0-1' }]) {
        const fresh = await app.inject({ method: 'GET', url: '/.well-known/pki/ocsp/other', headers });
        expect(fresh.headers.age).toBeUndefined();
      }
      expect(seen.filter((s) => s === 'GET /.well-known/pki/ocsp/other')).toHaveLength(4);
      expect((await get('/.well-known/pki/nocache')).body).toBe('fresh');
      expect((await get('/.well-known/pki/nocache')).body).toBe('fresh');
      expect(seen.filter((s) => s.includes('nocache'))).toHaveLength(2);

      // A revocation forwarded through ACME empties the cache: the next OCSP GET reaches the owner.
      expect((await app.inject({ method: 'POST', url: '/acme/revoke-cert', payload: 'jws' })).statusCode).toBe(200);
      expect((await get('/.well-known/pki/ocsp/abc')).body).toBe('ocsp 9');
      // Other ACME POSTs leave it alone.
      await app.inject({ method: 'POST', url: '/acme/new-order', payload: 'jws' });
      expect((await get('/.well-known/pki/ocsp/abc')).body).toBe('ocsp 9');
      expect(seen.filter((s) => s === 'GET /.well-known/pki/ocsp/abc')).toHaveLength(2);
    } finally {
      await app.close();
      server.close();
    }
  });
});
