import { isIP } from 'node:net';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { counter, getLogger } from '@certctl/observability';

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until one more event is allowed (at least 1 when refused, 0 when allowed). */
  retryAfterSeconds: number;
  remaining: number;
  limit: number;
  /** Set when the check itself failed (Redis unreachable) and the event was let through. */
  failedOpen?: true;
}

const refused = counter('certctl_rate_limited_total', 'Events refused by a shared (Redis) rate limit', ['limit']);
const failures = counter(
  'certctl_rate_limiter_errors_total',
  'Shared rate limit checks that failed (Redis unreachable); such events are let through',
  ['limit'],
);

/**
 * A fixed-window limit (at most `points` events per `durationSeconds` per key) counted in Redis
 * by rate-limiter-flexible, so every replica shares one count per key. `points` 0 is off. Fails
 * open: an unreachable Redis costs the limit, never the request.
 */
export class SharedRateLimit {
  private readonly limiter: RateLimiterRedis | null;

  constructor(
    redis: Redis,
    readonly name: string,
    readonly points: number,
    readonly durationSeconds: number,
  ) {
    this.limiter =
      points > 0 ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `certctl:rl:${name}`, points, duration: durationSeconds }) : null;
  }

  get enabled(): boolean {
    return this.limiter !== null;
  }

  /** Counts one event for `key`. */
  async take(key: string): Promise<RateLimitDecision> {
    if (!this.limiter) return { allowed: true, retryAfterSeconds: 0, remaining: Infinity, limit: 0 };
    try {
      const res = await this.limiter.consume(key);
      return { allowed: true, retryAfterSeconds: 0, remaining: res.remainingPoints, limit: this.points };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        refused.inc({ limit: this.name });
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)), remaining: 0, limit: this.points };
      }
      failures.inc({ limit: this.name });
      getLogger().warn({ limit: this.name, err: (err as Error).message }, 'rate limit check failed; event allowed');
      return { allowed: true, retryAfterSeconds: 0, remaining: this.points, limit: this.points, failedOpen: true };
    }
  }

  /** Gives back one event counted by take() that turned out not to count (best effort). */
  async refund(key: string): Promise<void> {
    await this.limiter?.reward(key).catch(() => undefined);
  }
}

/**
 * The client address of a request that came through the gateway: the gateway replaces any
 * X-Forwarded-For with the one address it saw (apps/gateway/src/http/proxy.ts), so the last
 * entry is that one; without the header, the peer address. Unusable text falls back to the peer.
 */
export function clientIp(req: { headers: Record<string, string | string[] | undefined>; ip?: string }): string {
  const raw = req.headers['x-forwarded-for'];
  const header = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  const last = header?.split(',').pop()?.trim();
  if (last && isIP(last)) return last.toLowerCase();
  return req.ip ?? 'unknown';
}
