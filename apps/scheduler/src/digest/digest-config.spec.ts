import { schedulerEnvSchema } from '../config';
import { LoopsService } from '../loops/loops.service';

const env = { DATABASE_URL: 'postgresql://u:p@127.0.0.1/db', REDIS_URL: 'redis://127.0.0.1', NATS_URL: 'nats://127.0.0.1' };
const loopsWith = (extra: Record<string, string>) => {
  const config = schedulerEnvSchema.parse({ ...env, ...extra });
  return { config, loops: new LoopsService({} as never, {} as never, { holder: 'x' } as never, {} as never, config, {} as never) };
};

describe('digest configuration', () => {
  it('ok/off by default: every other loop runs, the digest does not', () => {
    const { config, loops } = loopsWith({});
    expect(config).toMatchObject({
      CERTCTL_DIGEST_ENABLED: false,
      CERTCTL_DIGEST_HOUR_UTC: 8,
      CERTCTL_DIGEST_INTERVAL_SECONDS: 300,
      CERTCTL_DIGEST_LIST_LIMIT: 10,
    });
    expect(loops.enabled()).toEqual([
      'renewal',
      'expiry-alerts',
      'expiry-status',
      'agent-offline',
      'job-reaper',
      'crl-refresh',
      'acme-gc',
      'health-checks',
      'health-retention',
      'network-scan',
      'reissuance',
    ]);
  });

  it('ok/enabled, it runs with the default loop list or when listed, at its own interval', () => {
    expect(loopsWith({ CERTCTL_DIGEST_ENABLED: 'true' }).loops.enabled()).toContain('digest');
    const { loops } = loopsWith({
      CERTCTL_DIGEST_ENABLED: 'true',
      CERTCTL_SCHEDULER_LOOPS: 'digest',
      CERTCTL_DIGEST_INTERVAL_SECONDS: '2',
    });
    expect(loops.enabled()).toEqual(['digest']);
  });

  it('fail/enabled but left out of CERTCTL_SCHEDULER_LOOPS, it does not run on this replica', () => {
    expect(loopsWith({ CERTCTL_DIGEST_ENABLED: 'true', CERTCTL_SCHEDULER_LOOPS: 'renewal' }).loops.enabled()).toEqual(['renewal']);
  });

  it('fail/out-of-range values are refused', () => {
    for (const bad of [
      { CERTCTL_DIGEST_HOUR_UTC: '24' },
      { CERTCTL_DIGEST_HOUR_UTC: '-1' },
      { CERTCTL_DIGEST_INTERVAL_SECONDS: '0' },
      { CERTCTL_DIGEST_LIST_LIMIT: '26' },
      { CERTCTL_DIGEST_ENABLED: 'maybe' },
    ]) {
      expect(schedulerEnvSchema.safeParse({ ...env, ...bad }).success).toBe(false);
    }
  });
});
