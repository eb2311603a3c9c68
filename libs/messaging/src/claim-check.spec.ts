import { createHash } from 'node:crypto';
import { ClaimCheck, type ClaimStore, INLINE_MAX_BYTES } from './claim-check';

/** An in-memory stand-in for the Redis commands a claim check uses. */
function fakeRedis() {
  const data = new Map<string, { body: Buffer; ttl: number }>();
  const store = {
    data,
    set: jest.fn(async (key: string, body: Buffer, _ex: 'EX', ttl: number) => {
      data.set(key, { body: Buffer.from(body), ttl });
      return 'OK';
    }),
    getBuffer: jest.fn(async (key: string) => data.get(key)?.body ?? null),
    del: jest.fn(async (key: string) => Number(data.delete(key))),
    quit: jest.fn(async () => 'OK'),
  };
  return store;
}

const asStore = (fake: ReturnType<typeof fakeRedis>) => fake as unknown as ClaimStore;

describe('ClaimCheck', () => {
  it('ok/payloads up to 512 KiB travel inline, larger ones do not (bytes, not characters)', () => {
    expect(ClaimCheck.fitsInline('x'.repeat(INLINE_MAX_BYTES))).toBe(true);
    expect(ClaimCheck.fitsInline('x'.repeat(INLINE_MAX_BYTES + 1))).toBe(false);
    expect(ClaimCheck.fitsInline('é'.repeat(INLINE_MAX_BYTES / 2 + 1))).toBe(false);
    expect(ClaimCheck.fitsInline(Buffer.alloc(INLINE_MAX_BYTES + 1))).toBe(false);
  });

  it('ok/stage then redeem returns the same bytes; the ticket carries their SHA-256 and the key expires', async () => {
    const fake = fakeRedis();
    const claims = new ClaimCheck(() => asStore(fake));
    const body = Buffer.from('[["0a",1,0]]');
    const ticket = await claims.stage('certctl:crl-entries:iss-1:7:1', body);
    expect(ticket).toEqual({ redis_key: 'certctl:crl-entries:iss-1:7:1', sha256: createHash('sha256').update(body).digest('hex') });
    expect(fake.data.get(ticket.redis_key)?.ttl).toBe(300);
    await expect(claims.redeem(ticket)).resolves.toEqual({ found: true, body });
    expect(fake.data.has(ticket.redis_key)).toBe(true);
  });

  it('ok/redeem with remove deletes the staged key after reading', async () => {
    const fake = fakeRedis();
    const claims = new ClaimCheck(() => asStore(fake));
    const ticket = await claims.stage('k', Buffer.from('der'), 60);
    expect(fake.data.get('k')?.ttl).toBe(60);
    await expect(claims.redeem(ticket, { remove: true })).resolves.toMatchObject({ found: true });
    expect(fake.data.has('k')).toBe(false);
  });

  it('fail/an expired ticket is missing, a changed payload is corrupt', async () => {
    const fake = fakeRedis();
    const claims = new ClaimCheck(() => asStore(fake));
    await expect(claims.redeem({ redis_key: 'gone', sha256: 'ab' })).resolves.toEqual({ found: false, reason: 'missing' });
    const ticket = await claims.stage('k', Buffer.from('original'));
    fake.data.set('k', { body: Buffer.from('tampered'), ttl: 300 });
    await expect(claims.redeem(ticket, { remove: true })).resolves.toEqual({ found: false, reason: 'corrupt' });
    expect(fake.data.has('k')).toBe(true);
  });

  it('ok/connects on first use only, and close() quits that connection', async () => {
    const fake = fakeRedis();
    const connect = jest.fn(() => asStore(fake));
    const claims = new ClaimCheck(connect);
    await claims.close();
    expect(connect).not.toHaveBeenCalled();
    await claims.stage('a', Buffer.from('1'));
    await claims.stage('b', Buffer.from('2'));
    expect(connect).toHaveBeenCalledTimes(1);
    await claims.close();
    expect(fake.quit).toHaveBeenCalledTimes(1);
  });
});
