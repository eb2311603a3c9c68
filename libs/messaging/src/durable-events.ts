// Domain events (certctl.v1.events.*) stored in a NATS JetStream stream and consumed by durable
// consumers, so an event published while every replica of its consumer is down waits for it
// instead of being lost. See docs/reliability.md, "Durable events".
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, type JsMsg, type NatsConnection, RetentionPolicy, StorageType, headers as natsHeaders } from 'nats';
import type { EventContract, EventPayload } from '@certctl/contracts';
import { counter, getLogger } from '@certctl/observability';
import { MESSAGING_OPTIONS, type MessagingOptions, RpcClient } from './rpc-client';

/** The stream every domain event is stored in. */
export const EVENTS_STREAM = 'CERTCTL_EVENTS';
export const EVENTS_SUBJECTS = 'certctl.v1.events.>';
/** Where an event goes after its last failed delivery (the subject of the event after this prefix). */
export const DEAD_EVENTS_PREFIX = 'certctl.v1.dead.';
/** Deliveries of one event to one consumer before it is dead-lettered. */
export const MAX_DELIVERIES = 8;
/** The delay before delivery n + 1 after a failed delivery n (the last one repeats). */
export const REDELIVERY_DELAYS_MS: readonly number[] = [1000, 5000, 15000, 30000, 60000, 120000, 300000];
/**
 * How long a delivered, unacknowledged event waits before it goes to another replica (its worker
 * died). A handler still running tells the server it is working every third of this, so only a
 * dead worker's events wait it out.
 */
export const ACK_WAIT_MS = 20000;
const STREAM_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const STREAM_MAX_BYTES = 1024 ** 3;
const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
const IN_FLIGHT = 64;
const ms = (n: number) => n * 1_000_000; // JetStream durations are nanoseconds

const handled = counter(
  'certctl_events_consumed_total',
  'Domain events handled by durable consumers, by consumer and result (ok, retry, malformed, dead)',
  ['consumer', 'result'],
);

/** What a handler knows of the delivery: the event's id (the idempotency key) and the delivery count. */
export interface EventDelivery {
  eventId: string;
  deliveries: number;
}

export type DurableHandler<E extends EventContract> = (payload: EventPayload<E>, delivery: EventDelivery) => Promise<void>;

/** The wire form of a stored event: NestJS's record shape plus the event id. */
export interface StoredEvent {
  pattern: string;
  data: unknown;
  id: string;
}

export function redeliveryDelayMs(deliveries: number): number {
  return REDELIVERY_DELAYS_MS[Math.min(Math.max(deliveries, 1), REDELIVERY_DELAYS_MS.length) - 1]!;
}

/** Creates the events stream, or brings its limits up to date. */
export async function ensureEventsStream(nc: NatsConnection): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const config = {
    name: EVENTS_STREAM,
    subjects: [EVENTS_SUBJECTS],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: ms(STREAM_MAX_AGE_MS),
    max_bytes: STREAM_MAX_BYTES,
    duplicate_window: ms(DUPLICATE_WINDOW_MS),
    num_replicas: 1,
  };
  try {
    await jsm.streams.info(EVENTS_STREAM);
    await jsm.streams.update(EVENTS_STREAM, config);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add(config);
  }
}

/**
 * One durable consumer: every replica of `service` binds to the same durable name, so each
 * event is handled by one of them; it is acknowledged only after the handler resolved, a
 * failure is retried after redeliveryDelayMs, and after MAX_DELIVERIES it is published to
 * certctl.v1.dead.<subject> and counted. A malformed event is dropped (logged, counted).
 */
export async function consumeDurably<E extends EventContract>(
  nc: NatsConnection,
  service: string,
  name: string,
  event: E,
  handler: DurableHandler<E>,
): Promise<{ stop(): Promise<void> }> {
  const durable = `${service}-${name}`;
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(EVENTS_STREAM, {
    durable_name: durable,
    filter_subject: event.subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ack_wait: ms(ACK_WAIT_MS),
    max_deliver: MAX_DELIVERIES,
    max_ack_pending: 1000,
  });
  const consumer = await nc.jetstream().consumers.get(EVENTS_STREAM, durable);
  const messages = await consumer.consume({ max_messages: IN_FLIGHT });
  const inFlight = new Set<Promise<void>>();
  const log = getLogger().child({ consumer: durable });
  const loop = (async () => {
    for await (const msg of messages) {
      const work = deliver(nc, durable, event, handler, msg, log).finally(() => inFlight.delete(work));
      inFlight.add(work);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
  })();
  return {
    async stop() {
      await messages.close().catch(() => undefined);
      await loop.catch(() => undefined);
      await Promise.allSettled([...inFlight]);
    },
  };
}

export async function deliver<E extends EventContract>(
  nc: NatsConnection,
  durable: string,
  event: E,
  handler: DurableHandler<E>,
  msg: JsMsg,
  log: ReturnType<typeof getLogger>,
): Promise<void> {
  const stored = parseStored(msg.data);
  const parsed = stored ? event.payload.safeParse(stored.data) : undefined;
  if (!stored || !parsed?.success) {
    handled.inc({ consumer: durable, result: 'malformed' });
    log.warn({ subject: msg.subject, seq: msg.seq }, 'malformed event dropped');
    msg.term();
    return;
  }
  const deliveries = msg.info.redeliveryCount;
  const progress = setInterval(() => msg.working(), ACK_WAIT_MS / 3);
  progress.unref();
  try {
    await handler(parsed.data as EventPayload<E>, { eventId: stored.id, deliveries });
    msg.ack();
    handled.inc({ consumer: durable, result: 'ok' });
  } catch (err) {
    const error = (err as Error).message;
    if (deliveries >= MAX_DELIVERIES) {
      const h = natsHeaders();
      h.set('certctl-consumer', durable);
      h.set('certctl-error', error.slice(0, 500));
      nc.publish(`${DEAD_EVENTS_PREFIX}${msg.subject}`, msg.data, { headers: h });
      msg.term();
      handled.inc({ consumer: durable, result: 'dead' });
      log.error({ subject: msg.subject, event_id: stored.id, deliveries, err: error }, 'event dead-lettered after its last delivery');
      return;
    }
    msg.nak(redeliveryDelayMs(deliveries));
    handled.inc({ consumer: durable, result: 'retry' });
    log.warn({ subject: msg.subject, event_id: stored.id, deliveries, err: error }, 'event handler failed; redelivered later');
  } finally {
    clearInterval(progress);
  }
}

function parseStored(data: Uint8Array): StoredEvent | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(data)) as Partial<StoredEvent>;
    return typeof value.id === 'string' && typeof value.pattern === 'string' ? (value as StoredEvent) : undefined;
  } catch {
    return undefined;
  }
}

interface Registration {
  event: EventContract;
  name: string;
  handler: DurableHandler<EventContract>;
}

/**
 * The service's durable event consumers: handlers register while the application is built
 * (constructor or onModuleInit); at bootstrap the events stream is ensured and each consumer
 * starts; at shutdown they stop taking events and finish the ones they hold before the
 * connection drains. A NATS server without JetStream stops the service at start.
 */
@Injectable()
export class DurableEvents implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly registrations: Registration[] = [];
  private running: { stop(): Promise<void> }[] = [];

  constructor(
    private readonly rpc: RpcClient,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {}

  /** `name` identifies the consumer within the service (the durable is `<service>-<name>`). */
  on<E extends EventContract>(event: E, name: string, handler: DurableHandler<E>): void {
    this.registrations.push({ event, name, handler: handler as DurableHandler<EventContract> });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.registrations.length) return;
    const nc = this.rpc.natsConnection();
    try {
      await ensureEventsStream(nc);
    } catch (err) {
      throw new Error(
        `the events stream ${EVENTS_STREAM} cannot be set up (${(err as Error).message}): NATS must run with JetStream (nats-server -js -sd <dir>)`,
      );
    }
    for (const r of this.registrations) this.running.push(await consumeDurably(nc, this.options.service, r.name, r.event, r.handler));
    getLogger().info({ consumers: this.registrations.map((r) => `${this.options.service}-${r.name}`) }, 'durable event consumers started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.running.map((r) => r.stop()));
    this.running = [];
  }
}
