import { registry } from '@certctl/observability';
import { type RateLimitDecision, SharedRateLimit } from '@certctl/platform';
import { gatewayEnvSchema } from '../config';
import { RateLimiter, gatewayWindowSeconds } from './rate-limiter';

const ENV = { DATABASE_URL: 'postgresql://x@127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1:1', NATS_URL: 'nats://127.0.0.1' };

async function counterValue(name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

describe('gateway RateLimiter', () => {
  let limiter: RateLimiter;
  const decide = jest.spyOn(SharedRateLimit.prototype, 'take');

  beforeEach(() => {
    limiter = new RateLimiter(gatewayEnvSchema.parse({ ...ENV, CERTCTL_RATE_LIMIT_RPS: '200', CERTCTL_RATE_LIMIT_BURST: '300' }));
  });
  afterEach(async () => {
    await limiter.onApplicationShutdown();
    decide.mockReset();
  });

  it.each([
    [50, 100, 2],
    [200, 300, 2],
    [0.5, 100, 200],
    [1000000, 1, 1],
    [10, 10, 1],
  ])('ok/%s rps with a burst of %s: the burst per %s s window (never faster than rps on average)', (rps, burst, seconds) => {
    expect(gatewayWindowSeconds(rps, burst)).toBe(seconds);
    expect(burst / seconds).toBeLessThanOrEqual(rps);
  });

  it('ok/the shared limit is named for the gateway and advertises the burst as its limit', async () => {
    decide.mockImplementation(async function (this: SharedRateLimit) {
      return { allowed: true, retryAfterSeconds: 0, remaining: this.points - 1, limit: this.points };
    });
    await expect(limiter.take('key:k-1')).resolves.toEqual({ allowed: true, retryAfterSeconds: 0, remaining: 299, limit: 300 });
    const shared = decide.mock.contexts[0] as SharedRateLimit;
    expect({ name: shared.name, points: shared.points, duration: shared.durationSeconds }).toEqual({
      name: 'gateway-api',
      points: 300,
      duration: 2,
    });
    expect(decide).toHaveBeenCalledWith('key:k-1');
  });

  it('fail/a refusal is passed on with its retry time and counted as a gateway 429', async () => {
    const refused: RateLimitDecision = { allowed: false, retryAfterSeconds: 2, remaining: 0, limit: 300 };
    decide.mockResolvedValue(refused);
    const before = await counterValue('certctl_gateway_rate_limited_total');
    await expect(limiter.take('ip:198.51.100.7')).resolves.toEqual(refused);
    expect(await counterValue('certctl_gateway_rate_limited_total')).toBe(before + 1);
  });

  it('ok/a failed check lets the request through and is counted as a limiter error', async () => {
    decide.mockResolvedValue({ allowed: true, retryAfterSeconds: 0, remaining: 300, limit: 300, failedOpen: true });
    const before = await counterValue('certctl_gateway_rate_limiter_errors_total');
    await expect(limiter.take('key:k-2')).resolves.toMatchObject({ allowed: true });
    expect(await counterValue('certctl_gateway_rate_limiter_errors_total')).toBe(before + 1);
  });

  it('ok/enabled follows CERTCTL_RATE_LIMIT_ENABLED', async () => {
    expect(limiter.enabled).toBe(true);
    const off = new RateLimiter(gatewayEnvSchema.parse({ ...ENV, CERTCTL_RATE_LIMIT_ENABLED: 'false' }));
    expect(off.enabled).toBe(false);
    await off.onApplicationShutdown();
  });
});
