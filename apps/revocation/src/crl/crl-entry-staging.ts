import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import IORedis, { type Redis } from 'ioredis';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';

type Entry = [string, number, number];
/** Inline up to this many bytes of entries; NATS refuses messages over its max_payload (1 MiB by default). */
const INLINE_MAX_BYTES = 512 * 1024;
const STAGE_TTL_SECONDS = 300;

/**
 * A CRL with tens of thousands of entries does not fit in one NATS message. Its entries
 * are then staged in Redis under a one-off key with their SHA-256, and the sign request
 * carries only the reference; issuance reads them, checks the digest and signs.
 */
@Injectable()
export class CrlEntryStaging implements OnApplicationShutdown {
  private redis?: Redis;

  constructor(@Inject(REVOCATION_CONFIG) private readonly config: RevocationConfig) {}

  async pack(
    issuerId: string,
    number: bigint,
    entries: Entry[],
  ): Promise<{ entries: Entry[] } | { entries_ref: { redis_key: string; sha256: string; count: number } }> {
    const json = JSON.stringify(entries);
    if (json.length <= INLINE_MAX_BYTES) return { entries };
    this.redis ??= new IORedis(this.config.REDIS_URL, { maxRetriesPerRequest: 2 });
    const key = `certctl:crl-entries:${issuerId}:${number.toString()}:${Date.now()}`;
    const body = Buffer.from(json, 'utf8');
    await this.redis.set(key, body, 'EX', STAGE_TTL_SECONDS);
    return { entries_ref: { redis_key: key, sha256: createHash('sha256').update(body).digest('hex'), count: entries.length } };
  }

  /** The signed DER from issuance's reply, inline or staged (checked against its digest). */
  async unpack(reply: { der_base64?: string; der_ref?: { redis_key: string; sha256: string } }): Promise<Buffer> {
    if (reply.der_base64) return Buffer.from(reply.der_base64, 'base64');
    if (!reply.der_ref) throw new Error('issuance returned no CRL');
    this.redis ??= new IORedis(this.config.REDIS_URL, { maxRetriesPerRequest: 2 });
    const der = await this.redis.getBuffer(reply.der_ref.redis_key);
    if (!der || createHash('sha256').update(der).digest('hex') !== reply.der_ref.sha256)
      throw new Error('staged CRL is missing or corrupt');
    await this.redis.del(reply.der_ref.redis_key).catch(() => undefined);
    return der;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
