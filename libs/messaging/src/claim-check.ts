import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Payloads up to this many bytes travel inline; NATS refuses messages over its max_payload (1 MiB by default). */
export const INLINE_MAX_BYTES = 512 * 1024;
/** How long a staged payload waits for its reader. */
export const CLAIM_TTL_SECONDS = 300;

/** What a message carries instead of a payload too large for NATS: where it is staged and its SHA-256. */
export interface ClaimTicket {
  redis_key: string;
  sha256: string;
}

export type ClaimRedemption = { found: true; body: Buffer } | { found: false; reason: 'missing' | 'corrupt' };

/** The Redis commands a claim check uses (an ioredis client has them). */
export type ClaimStore = Pick<Redis, 'set' | 'getBuffer' | 'del' | 'quit'>;

function sha256Hex(body: Buffer | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The claim-check pattern for payloads too large for one NATS message: the sender stages the
 * bytes in Redis under a one-off key and sends the ticket (key and SHA-256); the receiver
 * redeems the ticket and gets the bytes only when they match the digest. The Redis connection
 * is opened on first use (most payloads fit inline) and closed by close().
 */
export class ClaimCheck {
  private store?: ClaimStore;

  constructor(private readonly connect: () => ClaimStore) {}

  /** Whether `body` may travel inline. */
  static fitsInline(body: Buffer | Uint8Array | string): boolean {
    return (typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length) <= INLINE_MAX_BYTES;
  }

  private redis(): ClaimStore {
    this.store ??= this.connect();
    return this.store;
  }

  /** Stages `body` under `key` for `ttlSeconds` and returns its ticket. */
  async stage(key: string, body: Buffer | Uint8Array, ttlSeconds = CLAIM_TTL_SECONDS): Promise<ClaimTicket> {
    const bytes = Buffer.from(body);
    await this.redis().set(key, bytes, 'EX', ttlSeconds);
    return { redis_key: key, sha256: sha256Hex(bytes) };
  }

  /** The staged bytes of a ticket, checked against its digest; with `remove`, the key is deleted after reading (best effort). */
  async redeem(ticket: ClaimTicket, options: { remove?: boolean } = {}): Promise<ClaimRedemption> {
    const body = await this.redis().getBuffer(ticket.redis_key);
    if (!body) return { found: false, reason: 'missing' };
    if (sha256Hex(body) !== ticket.sha256) return { found: false, reason: 'corrupt' };
    if (options.remove)
      await this.redis()
        .del(ticket.redis_key)
        .catch(() => undefined);
    return { found: true, body };
  }

  async close(): Promise<void> {
    await this.store?.quit().catch(() => undefined);
  }
}
