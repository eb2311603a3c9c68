import type { Redis } from 'ioredis';
import { ACME_HTTP01_TOKEN, acmeHttp01RedisKey } from '@certctl/contracts';
import { createRedisClient } from '@certctl/platform';

/**
 * http-01 answered by the platform: the key authorizations the issuance service's `acme`
 * connector stored in Redis (acmeHttp01RedisKey), read for GET /.well-known/acme-challenge/<token>.
 */
export class AcmeHttp01Answers {
  private redis?: Redis;

  constructor(private readonly redisUrl: string) {}

  /** The key authorization for a token, or null (unknown, expired or malformed token). */
  async get(token: string): Promise<string | null> {
    if (!ACME_HTTP01_TOKEN.test(token)) return null;
    this.redis ??= createRedisClient(this.redisUrl, 'lookup');
    return this.redis.get(acmeHttp01RedisKey(token));
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
