import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { getLogger, registry } from '@certctl/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/**
 * Token bucket in Redis, one hash per subject: refilled at `rate` tokens per second up to
 * `burst`. The script runs atomically and reads Redis's own clock, so every gateway
 * replica shares one bucket per key. Returns {allowed, retry_after_ms, remaining}.
 */
const TOKEN_BUCKET = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil then tokens = burst; ts = now end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, retry, math.floor(tokens)}
`;

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
  remaining: number;
  limit: number;
}

const limited = new Counter({
  name: 'certctl_gateway_rate_limited_total',
  help: 'Requests refused with 429 by the per-key rate limit',
  registers: [registry],
});
const limiterErrors = new Counter({
  name: 'certctl_gateway_rate_limiter_errors_total',
  help: 'Rate limit checks that failed (Redis unreachable); such requests are let through',
  registers: [registry],
});

type LimiterRedis = Redis & { tokenBucket(key: string, rate: number, burst: number): Promise<[number, number, number]> };

@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly redis: LimiterRedis;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.redis = new Redis(config.REDIS_URL, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      commandTimeout: 500,
    }) as LimiterRedis;
    this.redis.on('error', (err) => getLogger().debug({ err: err.message }, 'rate limiter redis error'));
    this.redis.defineCommand('tokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
  }

  get enabled(): boolean {
    return this.config.CERTCTL_RATE_LIMIT_ENABLED;
  }

  /** Fails open: an unreachable Redis must not take the API down with it. */
  async take(subject: string): Promise<RateDecision> {
    const limit = this.config.CERTCTL_RATE_LIMIT_BURST;
    try {
      const [allowed, retryMs, remaining] = await this.redis.tokenBucket(
        `certctl:ratelimit:${subject}`,
        this.config.CERTCTL_RATE_LIMIT_RPS,
        limit,
      );
      if (!allowed) limited.inc();
      return { allowed: allowed === 1, retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)), remaining, limit };
    } catch (err) {
      limiterErrors.inc();
      getLogger().warn({ err: (err as Error).message }, 'rate limit check failed; request allowed');
      return { allowed: true, retryAfterSeconds: 0, remaining: limit, limit };
    }
  }

  /** Readiness: the gateway depends on Redis for shared rate limits. */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
