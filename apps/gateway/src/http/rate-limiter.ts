import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { AppError } from '@certctl/contracts';
import { registry } from '@certctl/observability';
import { type RateLimitDecision, SharedRateLimit, createRedisClient } from '@certctl/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

export type RateDecision = RateLimitDecision;

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

/**
 * The window of the per-key limit: `burst` requests per window, the window as long as `rps`
 * takes to refill a burst, rounded up to whole seconds (Redis expiries are in seconds), so
 * the sustained rate never exceeds `rps` and the advertised limit stays the burst.
 */
export function gatewayWindowSeconds(rps: number, burst: number): number {
  return Math.max(1, Math.ceil(burst / rps));
}

/**
 * The per-key (or per-address) limit of the REST API: the platform's one rate-limit
 * algorithm (SharedRateLimit, rate-limiter-flexible on Redis), so every gateway replica
 * shares one count per subject. Fails open: an unreachable Redis must not take the API down.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly limit: SharedRateLimit;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.redis = createRedisClient(config.REDIS_URL, 'rate-limit');
    const burst = config.CERTCTL_RATE_LIMIT_BURST;
    this.limit = new SharedRateLimit(this.redis, 'gateway-api', burst, gatewayWindowSeconds(config.CERTCTL_RATE_LIMIT_RPS, burst));
  }

  get enabled(): boolean {
    return this.config.CERTCTL_RATE_LIMIT_ENABLED;
  }

  async take(subject: string): Promise<RateDecision> {
    const decision = await this.limit.take(subject);
    if (!decision.allowed) limited.inc();
    if (decision.failedOpen) limiterErrors.inc();
    return decision;
  }

  /** Takes one request of `subject` when limits are on: sets the RateLimit headers, throws 429 when over. */
  async enforce(subject: string, reply: FastifyReply): Promise<void> {
    if (!this.enabled) return;
    const decision = await this.take(subject);
    void reply.header('ratelimit-limit', String(decision.limit)).header('ratelimit-remaining', String(Math.max(0, decision.remaining)));
    if (!decision.allowed) {
      void reply.header('retry-after', String(decision.retryAfterSeconds));
      throw new AppError('rate_limited', `Rate limit exceeded; retry after ${decision.retryAfterSeconds} s.`, { retryable: true });
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
