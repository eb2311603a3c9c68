import type { Redis } from 'ioredis';
import { counter } from '@certctl/observability';
import { AcmeError } from './errors';

export type HourlyLimit = 'orders' | 'key_changes' | 'challenges';

const rateLimited = counter('certctl_acme_rate_limited_total', 'ACME requests refused by a per-account rate limit', ['limit']);
const HOUR = 3600;

/**
 * Per-account hourly limits counted in Redis (one counter per account, limit and clock
 * hour), so every replica sees the same count. A limit of 0 is off.
 */
export class AcmeRateLimits {
  constructor(
    private readonly redis: Redis,
    private readonly limits: Record<HourlyLimit, number>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event; over the limit → 429 rateLimited with Retry-After to the next hour. */
  async take(limit: HourlyLimit, accountId: string): Promise<void> {
    const max = this.limits[limit];
    if (!max) return;
    const nowS = Math.floor(this.now() / 1000);
    const window = Math.floor(nowS / HOUR);
    const key = `certctl:acme:rl:${limit}:${accountId}:${window}`;
    const [[, count]] = (await this.redis
      .multi()
      .incr(key)
      .expire(key, HOUR + 60)
      .exec()) as [[null, number], [null, number]];
    if (count > max) {
      rateLimited.inc({ limit });
      throw AcmeRateLimits.refused(`${limit.replace('_', ' ')} per hour`, max, (window + 1) * HOUR - nowS);
    }
  }

  static refused(what: string, max: number, retryAfterSeconds: number): AcmeError {
    return new AcmeError('rateLimited', `too many ${what} for this account (limit ${max}); retry after ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
  }

  static countConcurrent(): void {
    rateLimited.inc({ limit: 'concurrent_orders' });
  }
}
