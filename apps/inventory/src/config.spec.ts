import { loadConfig } from '@certctl/config';
import { QUEUE_RETRY, QueueName } from '@certctl/contracts';
import { inventoryEnvSchema, inventoryQueueOptions } from './config';

const env = {
  DATABASE_URL: 'postgresql://u:p@h/db',
  REDIS_URL: 'redis://127.0.0.1:6379',
  NATS_URL: 'nats://127.0.0.1:4222',
  CERTCTL_ENCRYPTION_KEY: 'inventory-config-test-key-0123456789abcdef',
};

describe('inventory configuration', () => {
  it('ok/CERTCTL_ISSUANCE_ATTEMPTS and CERTCTL_ISSUANCE_BACKOFF_MS set the retry policy of the issuance jobs inventory adds', () => {
    const config = loadConfig(inventoryEnvSchema, { ...env, CERTCTL_ISSUANCE_ATTEMPTS: '4', CERTCTL_ISSUANCE_BACKOFF_MS: '200' });
    expect(inventoryQueueOptions(config)).toEqual({
      redisUrl: env.REDIS_URL,
      retry: { [QueueName.Issuance]: { attempts: 4, backoffMs: 200 } },
    });
  });

  it('ok/unset, the issuance queue keeps its shared defaults', () => {
    const config = loadConfig(inventoryEnvSchema, env);
    expect(inventoryQueueOptions(config).retry?.[QueueName.Issuance]).toEqual(QUEUE_RETRY[QueueName.Issuance]);
  });

  it('fail/out-of-range values are refused', () => {
    expect(() => loadConfig(inventoryEnvSchema, { ...env, CERTCTL_ISSUANCE_ATTEMPTS: '0' })).toThrow(/CERTCTL_ISSUANCE_ATTEMPTS/);
    expect(() => loadConfig(inventoryEnvSchema, { ...env, CERTCTL_ISSUANCE_BACKOFF_MS: '1' })).toThrow(/CERTCTL_ISSUANCE_BACKOFF_MS/);
  });
});
