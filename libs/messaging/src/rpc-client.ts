import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { Events as NatsEvents, headers as natsHeaders, type NatsConnection } from 'nats';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import {
  AppError,
  fieldErrorsFromZod,
  type EventContract,
  type EventPayload,
  type RpcContract,
  type RpcRequest,
  type RpcResponse,
} from '@certctl/contracts';
import { SpanKind, counter, getLogger, injectTraceHeaders, natsClientDuration, requestContext, withSpan } from '@certctl/observability';
import { type BusAuthOptions, type PrincipalKeys, checkTlsCaFile, natsConnectionOptions, principalKeys, warnIfOpen } from './bus-options';
import { PRINCIPAL_HEADER, actorOfRequest, carriesActor, signPrincipal } from './principal-token';
import { type BreakerOptions, CircuitBreaker, breakerFromEnv } from './circuit-breaker';
import { ReplyEnvelopeDeserializer, RpcContractViolationError, RpcMalformedReplyError, UnreadableReply } from './rpc-reply';

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

const eventsPublished = counter(
  'certctl_events_published_total',
  'Domain events published, by result: stored (in the JetStream events stream), unstored (plain publish: JetStream unavailable), failed',
  ['result'],
);
export interface MessagingOptions extends BusAuthOptions {
  servers: string;
  service: string;
  /** Default request timeout in ms. */
  timeoutMs: number;
  /** Circuit breaking per answering service (default: from the environment, breakerFromEnv). */
  breaker?: BreakerOptions;
  /** The time the circuits read (default Date.now; tests move their own instead of sleeping). */
  nowMs?: () => number;
}

/**
 * Typed request/reply and events over the NestJS NATS transport. Requests are checked
 * against the contract before sending and replies after receiving; failures come back
 * as AppError, each kind its own: the handler's error as the handler's AppError, a reply
 * that is not JSON or not an envelope as RpcMalformedReplyError, a response that fails the
 * contract as RpcContractViolationError, a service that does not answer in time as
 * service_unavailable.
 */
@Injectable()
export class RpcClient implements OnModuleInit, OnApplicationShutdown {
  private readonly client: ClientNats;
  private connection?: NatsConnection;
  /** This service's signing key and the verify keys it accepts (parsed once). */
  readonly keys: PrincipalKeys;
  /** One circuit per answering service (the subject's third part: certctl.v1.<service>.…). */
  private readonly circuits = new Map<string, CircuitBreaker>();
  private readonly breaker: BreakerOptions;

  constructor(@Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions) {
    this.keys = principalKeys(options.service, options);
    this.breaker = options.breaker ?? breakerFromEnv();
    checkTlsCaFile(options);
    this.client = new ClientNats({
      servers: options.servers,
      name: `certctl-${options.service}-client`,
      maxReconnectAttempts: -1,
      deserializer: new ReplyEnvelopeDeserializer(),
      ...natsConnectionOptions(options),
    });
  }

  async onModuleInit(): Promise<void> {
    warnIfOpen(this.options.service, this.options, this.keys);
    this.connection = (await this.client.connect()) as NatsConnection;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.drain().catch(() => undefined);
    await this.client.close();
  }

  /** Round trip to the NATS server: readiness. */
  async ping(timeoutMs = 2000): Promise<void> {
    if (!this.connection || this.connection.isClosed()) throw new Error('NATS connection closed');
    await Promise.race([
      this.connection.flush(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('NATS flush timed out')), timeoutMs).unref()),
    ]);
  }

  /**
   * `checkReply: false` skips checking the reply against the contract here, for large read
   * replies passed on unchanged (a 50-row certificate page): the answering handler has checked
   * it against the same schema before sending (rpc-handler.ts), and only the owner's replicas
   * may answer the subject (NATS permissions). The request is always checked.
   */
  async request<C extends RpcContract>(
    contract: C,
    payload: RpcRequest<C>,
    opts: { timeoutMs?: number; checkReply?: boolean } = {},
  ): Promise<RpcResponse<C>> {
    const checked = contract.request.safeParse(payload);
    if (!checked.success) throw AppError.validation(fieldErrorsFromZod(checked.error));
    const started = process.hrtime.bigint();
    let result = 'ok';
    try {
      return await withSpan(
        `nats request ${contract.subject}`,
        { kind: SpanKind.CLIENT, attributes: { 'messaging.destination': contract.subject } },
        async () => {
          const record = this.record(checked.data, await this.principalToken(contract, checked.data));
          const reply = await this.circuit(contract.subject)
            .run(
              () => firstValueFrom(this.client.send(contract.subject, record).pipe(timeout(opts.timeoutMs ?? this.options.timeoutMs))),
              unanswered,
            )
            .catch((err: unknown) => {
              throw this.toAppError(err, contract.subject);
            });
          if (opts.checkReply === false) return reply as RpcResponse<C>;
          const parsed = contract.response.safeParse(reply);
          if (!parsed.success) {
            getLogger().error({ subject: contract.subject, issues: parsed.error.issues.slice(0, 5) }, 'reply does not match its contract');
            throw new RpcContractViolationError(contract.subject, parsed.error.issues);
          }
          return parsed.data as RpcResponse<C>;
        },
      );
    } catch (err) {
      result = err instanceof AppError ? err.code : 'error';
      throw err;
    } finally {
      natsClientDuration.observe({ subject: contract.subject, result }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /**
   * Publishes a fact into the events stream (JetStream: stored before this resolves, so a
   * consumer that is down gets it when it comes back; the event id is the stream's
   * de-duplication id). Without JetStream (a NATS server started without -js) it falls back
   * to a plain publish, logged and counted. Events are notifications, never the record.
   */
  async emit<E extends EventContract>(event: E, payload: EventPayload<E>): Promise<void> {
    const data = event.payload.parse(payload);
    const id = randomUUID();
    const context = traceContext();
    try {
      await this.publishStored(event.subject, id, data, context);
      eventsPublished.inc({ result: 'stored' });
    } catch (err) {
      try {
        this.natsConnection().publish(event.subject, eventBody(event.subject, id, data), { headers: toNatsHeaders(context) });
        eventsPublished.inc({ result: 'unstored' });
        getLogger().warn({ err: (err as Error).message, subject: event.subject }, 'event not stored in JetStream; published without it');
      } catch (again) {
        eventsPublished.inc({ result: 'failed' });
        getLogger().warn({ err: (again as Error).message, subject: event.subject }, 'event publish failed');
      }
    }
  }

  /**
   * Publishes an event (payload already checked) into the events stream with `id` as its
   * Nats-Msg-Id; resolves once the server stored it (`duplicate`: the stream already had this id
   * within its de-duplication window, so nothing was added), throws when it was not stored.
   */
  async publishStored(subject: string, id: string, data: unknown, context: Record<string, string>): Promise<{ duplicate: boolean }> {
    const ack = await this.natsConnection()
      .jetstream()
      .publish(subject, eventBody(subject, id, data), { msgID: id, headers: toNatsHeaders(context), timeout: this.options.timeoutMs });
    return { duplicate: ack.duplicate };
  }

  /**
   * Publishes an event to whoever listens now, on core NATS, and waits until the server has it
   * (flush): for facts every replica must act on at once (a cache to drop), where a stored
   * copy is no use to a replica that was away (it starts, or reconnects, with nothing cached).
   */
  async broadcast<E extends EventContract>(event: E, payload: EventPayload<E>): Promise<void> {
    const data = event.payload.parse(payload);
    const nc = this.natsConnection();
    nc.publish(event.subject, eventBody(event.subject, randomUUID(), data), { headers: toNatsHeaders(traceContext()) });
    await nc.flush();
  }

  /**
   * Calls `handler` each time the connection to NATS comes back after a loss: events
   * broadcast meanwhile were missed, so what they would have dropped must be dropped now.
   */
  onReconnect(handler: () => void): void {
    const nc = this.natsConnection();
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type !== NatsEvents.Reconnect) continue;
        try {
          handler();
        } catch (err) {
          getLogger().error({ err }, 'reconnect handler failed');
        }
      }
    })().catch(() => undefined);
  }

  /** The NATS connection (after module init). */
  natsConnection(): NatsConnection {
    if (!this.connection) throw new Error('NATS is not connected yet');
    return this.connection;
  }

  /**
   * Every replica of the caller receives the event (no queue group): for in-process
   * waiters that only wake work up. Events stay notifications, never the record.
   * Returns the unsubscribe function.
   */
  onEvent<E extends EventContract>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
    const sub = this.natsConnection().subscribe(event.subject, {
      callback: (err, msg) => {
        if (err) return;
        const payload = eventPayload(event, msg.data);
        if (payload === undefined) return; // not JSON, or not this event's payload: not ours
        try {
          handler(payload);
        } catch (handlerErr) {
          getLogger().error({ err: handlerErr, subject: event.subject }, 'event handler failed');
        }
      },
    });
    return () => sub.unsubscribe();
  }

  /** The circuit towards the service that answers `subject`. */
  private circuit(subject: string): CircuitBreaker {
    const service = subject.split('.')[2] ?? subject;
    let circuit = this.circuits.get(service);
    if (!circuit) {
      circuit = new CircuitBreaker(service, this.breaker, { now: this.options.nowMs });
      this.circuits.set(service, circuit);
    }
    return circuit;
  }

  /** The signed principal for a request that names an actor (none when this service holds no signing key). */
  private async principalToken(contract: RpcContract, data: unknown): Promise<string | undefined> {
    const actor = carriesActor(contract) ? actorOfRequest(data) : undefined;
    if (!actor || !this.keys.signing) return undefined;
    return signPrincipal(this.keys.signing, contract.subject, actor, data, requestContext()?.key_id);
  }

  private record(data: unknown, principal?: string) {
    const h = toNatsHeaders(traceContext());
    if (principal) h.set(PRINCIPAL_HEADER, principal);
    return new NatsRecordBuilder(data).setHeaders(h).build();
  }

  private toAppError(err: unknown, subject: string): AppError {
    if (err instanceof AppError) return err;
    if (err instanceof UnreadableReply) {
      getLogger().error({ subject, reason: err.reason, sample: err.sample }, 'reply is not a reply envelope');
      return new RpcMalformedReplyError(subject, err.reason);
    }
    if (err instanceof TimeoutError) {
      return new AppError('service_unavailable', `the service answering ${subject} did not reply in time`, { retryable: true });
    }
    if (err && typeof err === 'object' && 'code' in err && err.code === 'MAX_PAYLOAD_EXCEEDED') {
      return new AppError('payload_too_large', 'The request is too large to pass between services; send less data.');
    }
    if (err && typeof err === 'object') {
      // The wire error, either bare or wrapped by the transport as { message, error }.
      const wire = 'code' in err && 'detail' in err ? err : 'error' in err ? (err as { error: unknown }).error : undefined;
      if (wire && typeof wire === 'object' && 'code' in wire) return AppError.fromWire(wire);
    }
    getLogger().error({ err, subject }, 'NATS request failed');
    return new AppError('service_unavailable', `the service answering ${subject} is unavailable`, { retryable: true });
  }
}

/**
 * Whether a request went unanswered in time: what the circuit counts. A reply, an error reply
 * included, is an answer; so is NestJS's immediate "no subscribers" (EmptyResponseException):
 * it already fails fast, and counting it would only delay the first call after a restart.
 */
function unanswered(err: unknown): boolean {
  return err instanceof TimeoutError;
}

/** The event's payload in a message, or undefined when the message is not JSON or not this event's payload. */
function eventPayload<E extends EventContract>(event: E, data: Uint8Array): EventPayload<E> | undefined {
  let packet: { data?: unknown };
  try {
    packet = JSON.parse(Buffer.from(data).toString('utf8')) as { data?: unknown };
  } catch {
    return undefined;
  }
  const parsed = event.payload.safeParse(packet?.data);
  return parsed.success ? (parsed.data as EventPayload<E>) : undefined;
}

/** The trace context and request id of the current request (kept with an outbox row until it is published). */
export function traceContext(): Record<string, string> {
  const context: Record<string, string> = { ...injectTraceHeaders() };
  const rid = requestContext()?.request_id;
  if (rid) context['x-request-id'] = rid;
  return context;
}

function toNatsHeaders(context: Record<string, string>) {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(context)) h.set(k, v);
  return h;
}

/** The wire form of a stored event (StoredEvent in durable-events.ts): NestJS's record shape plus the event id. */
function eventBody(subject: string, id: string, data: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ pattern: subject, data, id }));
}
