import { ServerNats } from '@nestjs/microservices';
import type { NatsConnection } from 'nats';
import { queueGroupOf } from '@certctl/contracts';

/**
 * The NATS transport strategy for services: subscribes in the service's queue group
 * (replicas share requests) and drains on shutdown (stops taking requests, finishes
 * the ones in flight, flushes replies) instead of closing abruptly.
 */
export class DrainingNatsServer extends ServerNats {
  constructor(servers: string, service: string) {
    super({ servers, queue: queueGroupOf(service), name: `certctl-${service}`, maxReconnectAttempts: -1 });
  }

  override async close(): Promise<void> {
    const conn = (this as unknown as { natsClient: NatsConnection | null }).natsClient;
    if (conn && !conn.isClosed()) await conn.drain().catch(() => undefined);
    await super.close().catch(() => undefined);
  }
}
