import { type BeforeApplicationShutdown, Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventContract, EventPayload } from '@certctl/contracts';
import { PrismaService } from '@certctl/database';
import { type OutboxRow, type OutboxTx, OutboxRelay, writeEvent } from './outbox';
import { PrismaOutboxStore } from './outbox.repository';
import { MESSAGING_OPTIONS, type MessagingOptions, RpcClient, traceContext } from './rpc-client';

/** The safety-net scan of the outbox (CERTCTL_OUTBOX_POLL_MS, 1 s by default). */
const pollMs = () => Number(process.env.CERTCTL_OUTBOX_POLL_MS ?? 1000);

/**
 * A service's outbox: `enqueue` writes an event in the caller's transaction, `wake` (after the
 * commit) has the relay publish it at once; the relay also scans every CERTCTL_OUTBOX_POLL_MS.
 * The relay starts once the bus is connected and stops (finishing its batch) before it drains.
 */
@Injectable()
export class Outbox implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly relay: OutboxRelay;
  /** The events each open transaction wrote (dropped with the transaction object when it never commits). */
  private readonly written = new WeakMap<OutboxTx, OutboxRow[]>();

  constructor(
    prisma: PrismaService,
    private readonly rpc: RpcClient,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {
    this.relay = new OutboxRelay(
      new PrismaOutboxStore(prisma),
      (row) => this.rpc.publishStored(row.subject, row.id, row.payload, row.headers),
      { service: options.service, pollMs: pollMs() },
    );
  }

  /** Writes the event in `tx` (published only if it commits); call wake() after the commit. */
  async enqueue<E extends EventContract>(tx: OutboxTx, event: E, payload: EventPayload<E>): Promise<string> {
    const row = await writeEvent(tx, this.options.service, event, payload, traceContext());
    const rows = this.written.get(tx) ?? [];
    rows.push(row);
    this.written.set(tx, rows);
    return row.id;
  }

  /**
   * Publishes what was just committed without waiting for the next scan. Given the transaction
   * that committed, the events it wrote are published at once, before the relay claims them
   * (OutboxRelay.committed); only ever pass a transaction that has committed.
   */
  wake(committed?: OutboxTx): void {
    if (!committed) return this.relay.wake();
    const rows = this.written.get(committed) ?? [];
    this.written.delete(committed);
    this.relay.committed(rows);
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

/** Import in a service that writes events to the outbox (needs DatabaseModule and MessagingModule). */
@Module({ providers: [Outbox], exports: [Outbox] })
export class OutboxModule {}
