import type { Redis } from 'ioredis';
import { counter } from '@certctl/observability';
import { SharedRateLimit } from '@certctl/platform';
import { AcmeError } from './errors';

export type HourlyLimit = 'orders' | 'key_changes' | 'challenges';

const rateLimited = counter('certctl_acme_rate_limited_total', 'ACME requests refused by a rate limit', ['limit']);
const HOUR = 3600;

export interface AcmeLimitSettings extends Record<HourlyLimit, number> {
  /** New accounts created per client IP per hour. */
  new_accounts: number;
}

/**
 * The ACME rate limits, counted in Redis (rate-limiter-flexible, one window per key) so every
 * replica sees the same count: per account (orders, key changes, challenge responses per hour)
 * and per client IP (new accounts per hour). A limit of 0 is off.
 */
export class AcmeRateLimits {
  private readonly perAccount: Record<HourlyLimit, SharedRateLimit>;
  private readonly newAccounts: SharedRateLimit;

  constructor(redis: Redis, limits: AcmeLimitSettings) {
    const hourly = (name: string, points: number) => new SharedRateLimit(redis, `acme:${name}`, points, HOUR);
    this.perAccount = {
      orders: hourly('orders', limits.orders),
      key_changes: hourly('key_changes', limits.key_changes),
      challenges: hourly('challenges', limits.challenges),
    };
    this.newAccounts = hourly('new_accounts', limits.new_accounts);
  }

  /** Counts one event; over the limit → 429 rateLimited with Retry-After to the end of the window. */
  async take(limit: HourlyLimit, accountId: string): Promise<void> {
    const d = await this.perAccount[limit].take(accountId);
    if (d.allowed) return;
    rateLimited.inc({ limit });
    throw AcmeRateLimits.refused(`${limit.replace('_', ' ')} per hour for this account`, d.limit, d.retryAfterSeconds);
  }

  /**
   * Runs `create` (a newAccount) under the per-IP limit: counted before, given back when an
   * existing account was looked up, so only new accounts (and refused attempts, such as wrong
   * EAB keys) use the allowance.
   */
  async newAccount<T extends { created: boolean }>(clientIp: string, create: () => Promise<T>): Promise<T> {
    const d = await this.newAccounts.take(clientIp);
    if (!d.allowed) {
      rateLimited.inc({ limit: 'new_accounts' });
      throw AcmeRateLimits.refused('new accounts per hour from this address', d.limit, d.retryAfterSeconds);
    }
    const out = await create();
    if (!out.created) await this.newAccounts.refund(clientIp);
    return out;
  }

  static refused(what: string, max: number, retryAfterSeconds: number): AcmeError {
    return new AcmeError('rateLimited', `too many ${what} (limit ${max}); retry after ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
  }

  static countConcurrent(): void {
    rateLimited.inc({ limit: 'concurrent_orders' });
  }
}
