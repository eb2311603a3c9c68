import IORedis, { type Redis, type RedisOptions } from 'ioredis';
import { getLogger } from '@certctl/observability';

/**
 * What a Redis connection is for. Each use has its own connection options, because each
 * fails differently: a queue waits, a cache or a rate limit gives up at once.
 */
export type RedisUse = 'queue' | 'requests' | 'staging' | 'lookup' | 'cache' | 'rate-limit';

interface RedisUseProfile {
  options: RedisOptions;
  /** How connection errors are logged (the cache and the rate limit fail open, so only at debug). */
  errorLevel: 'warn' | 'debug';
}

export const REDIS_USES: Readonly<Record<RedisUse, RedisUseProfile>> = {
  /** BullMQ: its blocking commands must wait for a reconnect (BullMQ requires maxRetriesPerRequest null). */
  queue: { options: { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false }, errorLevel: 'warn' },
  /** State on a request path that must not be lost (ACME nonces and rate limits): a few retries, commands queued while reconnecting. */
  requests: { options: { maxRetriesPerRequest: 2, enableOfflineQueue: true }, errorLevel: 'warn' },
  /** Claim checks of payloads too large for NATS, and http-01 answers written by issuance: a few retries. */
  staging: { options: { maxRetriesPerRequest: 2 }, errorLevel: 'warn' },
  /** Look-ups on a public request path (http-01 key authorizations): one retry. */
  lookup: { options: { maxRetriesPerRequest: 1 }, errorLevel: 'warn' },
  /** A cache that only saves work (OCSP): fail fast, never queue commands while disconnected. */
  cache: { options: { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false }, errorLevel: 'debug' },
  /** Shared rate limits on every API request: fail fast and open, with short connect and command timeouts. */
  'rate-limit': {
    options: { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 500 },
    errorLevel: 'debug',
  },
};

/**
 * The one way the platform opens a Redis connection. The URL carries everything about the
 * server (host, port, user, password, database, TLS with rediss://; ioredis reads them from
 * it, so a password is never passed separately); `use` picks the retry, offline-queue and
 * connect behaviour. Connection errors are logged, never thrown at the process.
 */
export function createRedisClient(url: string, use: RedisUse): Redis {
  const profile = REDIS_USES[use];
  const client = new IORedis(url, { ...profile.options });
  client.on('error', (err: Error) => getLogger()[profile.errorLevel]({ err: err.message, redis_use: use }, 'redis connection error'));
  return client;
}
