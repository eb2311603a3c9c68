import { REDIS_USES, createRedisClient } from './redis';

describe('createRedisClient', () => {
  it('ok/the password, user and database come from the URL', () => {
    const client = createRedisClient('redis://ops:s3cret@127.0.0.1:1/4', 'staging');
    try {
      expect(client.options).toMatchObject({ username: 'ops', password: 's3cret', db: 4, host: '127.0.0.1', port: 1 });
    } finally {
      client.disconnect();
    }
  });

  it.each([
    ['queue', { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false }],
    ['requests', { maxRetriesPerRequest: 2, enableOfflineQueue: true }],
    ['staging', { maxRetriesPerRequest: 2 }],
    ['lookup', { maxRetriesPerRequest: 1 }],
    ['cache', { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false }],
    ['rate-limit', { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 500 }],
  ] as const)('ok/%s connections get their own retry and queueing options', (use, expected) => {
    expect(REDIS_USES[use].options).toEqual(expect.objectContaining(expected));
    const client = createRedisClient('redis://127.0.0.1:1', use);
    try {
      expect(client.options).toMatchObject(expected);
    } finally {
      client.disconnect();
    }
  });

  it('ok/a connection error is logged, not thrown at the process', () => {
    const client = createRedisClient('redis://127.0.0.1:1', 'cache');
    try {
      expect(client.listenerCount('error')).toBe(1);
      expect(() => client.emit('error', new Error('ECONNREFUSED'))).not.toThrow();
    } finally {
      client.disconnect();
    }
  });
});
