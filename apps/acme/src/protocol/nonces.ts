import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Replay nonces without a write per issued nonce: a nonce is 12 random bytes, its expiry
 * (seconds) and an HMAC over both under a key every replica derives from
 * CERTCTL_ENCRYPTION_KEY. Redeeming one is a single `SET NX EX` in Redis, so each nonce
 * is accepted once across all replicas and forgotten when it would have expired anyway.
 */
export class NonceService {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'certctl-ts acme', 'replay-nonce', 32));
  }

  issue(): string {
    const body = Buffer.alloc(16);
    randomBytes(12).copy(body, 0);
    body.writeUInt32BE(Math.floor(this.now() / 1000) + this.ttlSeconds, 12);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** true once for a well-formed, unexpired nonce this platform issued; false otherwise. */
  async redeem(nonce: string): Promise<boolean> {
    if (typeof nonce !== 'string' || nonce.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(nonce)) return false;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 32) return false;
    const body = raw.subarray(0, 16);
    if (!timingSafeEqual(raw.subarray(16), this.mac(body))) return false;
    const expires = body.readUInt32BE(12);
    const left = expires - Math.floor(this.now() / 1000);
    if (left <= 0) return false;
    const set = await this.redis.set(`certctl:acme:nonce:${nonce}`, '1', 'EX', left + 1, 'NX');
    return set === 'OK';
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16);
  }
}
