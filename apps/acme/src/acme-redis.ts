import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createRedisClient } from '@certctl/platform';
import { ACME_CONFIG, type AcmeConfig } from './config';

/**
 * The Redis connection of the ACME request path (nonces and rate limits). Readiness pings
 * this connection, the one every ACME request needs.
 */
@Injectable()
export class AcmeRedis implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(@Inject(ACME_CONFIG) config: AcmeConfig) {
    this.client = createRedisClient(config.REDIS_URL, 'requests');
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => undefined);
  }
}
