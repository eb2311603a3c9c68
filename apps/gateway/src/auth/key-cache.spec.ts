// TtlLruCache: what a gateway replica remembers of verified keys: bounded, least recently used out first, expiring, evictable by value.
import { TtlLruCache } from './key-cache';

function clocked(ttlMs: number, max: number) {
  let now = 1_000;
  const cache = new TtlLruCache<{ keyId: string }>(ttlMs, max, () => now);
  return { cache, advance: (ms: number) => (now += ms) };
}

describe('TtlLruCache', () => {
  it('ok/an entry is served until its time to live has passed, then gone', () => {
    const { cache, advance } = clocked(300_000, 10);
    cache.set('h1', { keyId: 'k1' });
    advance(299_999);
    expect(cache.get('h1')).toEqual({ keyId: 'k1' });
    advance(1);
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('ok/when full, the least recently used entry goes first (a hit counts as a use)', () => {
    const { cache } = clocked(60_000, 3);
    for (const h of ['h1', 'h2', 'h3']) cache.set(h, { keyId: h });
    expect(cache.get('h1')).toBeDefined(); // h2 is now the least recently used
    cache.set('h4', { keyId: 'h4' });
    expect(cache.size).toBe(3);
    expect(cache.get('h2')).toBeUndefined();
    expect(['h1', 'h3', 'h4'].map((h) => cache.get(h)?.keyId)).toEqual(['h1', 'h3', 'h4']);
  });

  it('ok/deleteWhere drops every entry of one key id, whatever hash it was cached under; clear drops all', () => {
    const { cache } = clocked(60_000, 10);
    cache.set('old-hash', { keyId: 'k1' });
    cache.set('new-hash', { keyId: 'k1' });
    cache.set('other', { keyId: 'k2' });
    expect(cache.deleteWhere((v) => v.keyId === 'k1')).toBe(2);
    expect(cache.get('old-hash')).toBeUndefined();
    expect(cache.get('other')).toEqual({ keyId: 'k2' });
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('edge/a time to live or size of 0 caches nothing (every request reads the table)', () => {
    for (const [ttl, max] of [
      [0, 10],
      [60_000, 0],
    ]) {
      const { cache } = clocked(ttl, max);
      cache.set('h1', { keyId: 'k1' });
      expect(cache.get('h1')).toBeUndefined();
    }
  });
});
