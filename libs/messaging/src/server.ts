import { ServerNats } from '@nestjs/microservices';
import type { NatsConnection, Subscription } from 'nats';
import { queueGroupOf } from '@certctl/contracts';
import { type BusAuthOptions, busAuthFromEnv, natsConnectionOptions } from './bus-options';
import { inFlight } from './rpc-handler';

/**
 * The NATS transport strategy for services: subscribes in the service's queue group
 * (replicas share requests) and drains on shutdown (stops taking requests, finishes
 * the ones in flight, flushes replies) instead of closing abruptly. Connects as the
 * service's own NATS user (NATS_USER / NATS_PASSWORD unless `auth` is given).
 */
export class DrainingNatsServer extends ServerNats {
  constructor(servers: string, service: string, auth: BusAuthOptions = busAuthFromEnv()) {
    super({ servers, queue: queueGroupOf(service), name: `certctl-${service}`, maxReconnectAttempts: -1, ...natsConnectionOptions(auth) });
  }

  override async close(): Promise<void> {
    const self = this as unknown as { natsClient: NatsConnection | null; subscriptions: Subscription[] };
    const conn = self.natsClient;
    if (conn && !conn.isClosed()) {
      // 1. stop receiving: the server routes new requests to other replicas; buffered ones are delivered
      await Promise.allSettled((self.subscriptions ?? []).map((s) => s.drain()));
      // 2. let handlers that are still running finish and publish their replies (a message
      //    delivered a moment ago reaches its handler a few ticks later, hence the settle wait)
      do {
        await new Promise((r) => setTimeout(r, 25));
        await inFlight.idle();
      } while (inFlight.count > 0);
      // 3. flush the replies and close
      await conn.drain().catch(() => undefined);
    }
    await super.close().catch(() => undefined);
  }
}
