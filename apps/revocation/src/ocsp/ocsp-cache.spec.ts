import { OcspCache } from './ocsp-cache';
import type { RevocationConfig } from '../config';

describe('OcspCache (in-process layer; Redis unreachable)', () => {
  const config = {
    REDIS_URL: 'redis://127.0.0.1:1',
    CERTCTL_OCSP_LOCAL_CACHE_MS: 2000,
    CERTCTL_OCSP_CACHE_SECONDS: 300,
  } as RevocationConfig;
  let cache: OcspCache;
  beforeEach(() => {
    cache = new OcspCache(config);
  });
  afterEach(() => cache.onApplicationShutdown());

  const req = Buffer.from('3045303f', 'hex');
  const resp = Buffer.from('3003', 'hex');

  it('ok/a response remembered for exact request bytes is found again; other bytes or issuers miss', () => {
    cache.rememberRequestBytes('iss-a', 'ab01', req, resp);
    expect(cache.byRequestBytes('iss-a', req)).toEqual(resp);
    expect(cache.byRequestBytes('iss-b', req)).toBeUndefined();
    expect(cache.byRequestBytes('iss-a', Buffer.from('3045303e', 'hex'))).toBeUndefined();
  });

  it('ok/invalidating a serial forgets its responses at once (revocation), and only those', async () => {
    const other = Buffer.from('30453040', 'hex');
    cache.rememberRequestBytes('iss-a', 'ab01', req, resp);
    cache.rememberRequestBytes('iss-a', 'ab02', other, resp);
    await cache.setResponse('iss-a', 'ab01', 'sha1', resp, 60);
    await cache.invalidate('iss-a', 'ab01');
    expect(cache.byRequestBytes('iss-a', req)).toBeUndefined();
    expect(await cache.getResponse('iss-a', 'ab01', 'sha1')).toBeUndefined();
    expect(cache.byRequestBytes('iss-a', other)).toEqual(resp);
  });

  it('ok/entries expire after CERTCTL_OCSP_LOCAL_CACHE_MS', () => {
    jest.useFakeTimers({ now: Date.now() });
    try {
      cache.rememberRequestBytes('iss-a', 'ab01', req, resp);
      jest.advanceTimersByTime(2001);
      expect(cache.byRequestBytes('iss-a', req)).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('ok/Redis being down costs only the cache: reads miss, writes are dropped, nothing throws', async () => {
    await expect(cache.getStatus('iss-a', 'ab01')).resolves.toBeUndefined();
    await expect(cache.setStatus('iss-a', 'ab01', { status: 'good' })).resolves.toBeUndefined();
  });
});
