// The transactional outbox on real PostgreSQL and a real NATS JetStream server: an event whose
// transaction committed is published by a relay started later (the first one died before
// publishing), and a relay that died after publishing and before deleting its row makes the next
// relay publish the same event id again, which JetStream stores once: the consumer sees it once.
import { RevocationEvents } from '@certctl/contracts';
import { type PrismaClient, createPrismaClient } from '@certctl/database';
import { startNatsServer, waitFor } from '@certctl/testing';
import { EVENTS_STREAM, OutboxRelay, PrismaOutboxStore, RpcClient, consumeDurably, enqueueEvent, ensureEventsStream } from '../src';

const event = RevocationEvents.certificateRevoked;
const payload = (certificate: string) => ({
  certificate_id: certificate,
  issuer_id: 'iss-outbox',
  serial_number: '0a',
  reason: 'keyCompromise' as const,
  revoked_at: '2026-12-05T10:00:00.000Z',
  actor: 'alice',
});

describe('the transactional outbox on PostgreSQL and JetStream', () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let db: PrismaClient;
  let client: RpcClient;
  let consumer: { stop(): Promise<void> };
  /** Every delivery the durable consumer got: certificate id → event ids. */
  const seen = new Map<string, string[]>();
  const run = Date.now().toString(36);
  let tests = 0;
  /** Each test's rows belong to a service of its own, so a test never sees another's leftovers. */
  let service = '';
  const publish = (row: { id: string; subject: string; payload: unknown; headers: Record<string, string> }) =>
    client.publishStored(row.subject, row.id, row.payload, row.headers);
  const relay = (p = publish) => new OutboxRelay(new PrismaOutboxStore(db), p, { service, batchSize: 20 });
  const enqueue = (certificate: string) => db.$transaction((tx) => enqueueEvent(tx, service, event, payload(certificate)));
  const pending = async () => (await db.outboxEvent.findMany({ where: { service } })).map((r) => r.id);
  /**
   * What the consumer got once it has every stored event handed over and acknowledged (it
   * acknowledges after the handler recorded the event): `seen` is complete, a second delivery
   * would be in it. Publishing waits for JetStream's acknowledgement, so the stream holds every
   * event the relays published before this is called.
   */
  const deliveriesOf = async (certificate: string) => {
    const jsm = await client.natsConnection().jetstreamManager();
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(EVENTS_STREAM, 'it-outbox');
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      10000,
      'the consumer to have handled every stored event',
      20,
    );
    return seen.get(certificate) ?? [];
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    db = createPrismaClient({ url: process.env.DATABASE_URL! });
    client = new RpcClient(nats.driverOptions(5000));
    await client.onModuleInit();
    await ensureEventsStream(client.natsConnection());
    consumer = await consumeDurably(client.natsConnection(), 'it', 'outbox', event, async (p, delivery) => {
      seen.set(p.certificate_id, [...(seen.get(p.certificate_id) ?? []), delivery.eventId]);
    });
  });

  beforeEach(() => {
    service = `it-outbox-${run}-${++tests}`;
  });

  afterAll(async () => {
    await consumer?.stop();
    await client?.onApplicationShutdown();
    await db?.$disconnect();
    await nats?.stop();
  });

  it('fail/an event written in a transaction that rolls back is never published', async () => {
    await expect(
      db.$transaction(async (tx) => {
        await enqueueEvent(tx, service, event, payload('rolled-back'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await pending()).toEqual([]);
    await relay().drain();
    expect(await deliveriesOf('rolled-back')).toEqual([]);
  });

  it('ok/committed while no relay ran (the service died before publishing): a fresh relay publishes it once and deletes the row', async () => {
    const id = await enqueue('after-crash');
    expect(await pending()).toEqual([id]);
    await expect(relay().drain()).resolves.toBe(1);
    expect(await pending()).toEqual([]);
    expect(await deliveriesOf('after-crash')).toEqual([id]);
  });

  it('ok/a relay that died after publishing and before deleting: the next relay publishes again, JetStream keeps one copy, the consumer sees it once', async () => {
    const id = await enqueue('published-twice');
    const acks: boolean[] = [];
    const dying = new OutboxRelay(
      {
        claim: (s, limit, pub) =>
          new PrismaOutboxStore(db).claim(s, limit, async (rows) => {
            const outcome = await pub(rows);
            throw new Error(`died after publishing ${outcome.published.length}`); // before the delete commits
          }),
        pending: (s) => new PrismaOutboxStore(db).pending(s),
      },
      async (row) => {
        const ack = await publish(row);
        acks.push(ack.duplicate);
        return ack;
      },
      { service },
    );
    await expect(dying.drain()).rejects.toThrow('died after publishing 1');
    expect(await pending()).toEqual([id]); // the delete rolled back with the dead transaction

    await expect(
      relay(async (row) => {
        const ack = await publish(row);
        acks.push(ack.duplicate);
        return ack;
      }).drain(),
    ).resolves.toBe(1);
    expect(acks).toEqual([false, true]); // published twice, stored once
    expect(await pending()).toEqual([]);
    expect(await deliveriesOf('published-twice')).toEqual([id]);
  });

  it('ok/two relays of one service (two replicas) drain 60 rows together without publishing any row twice', async () => {
    const ids = await db.$transaction(
      async (tx) => {
        const written: string[] = [];
        for (let i = 0; i < 60; i++) written.push(await enqueueEvent(tx, service, event, payload(`replica-${i}`)));
        return written;
      },
      { timeout: 30000, maxWait: 10000 },
    );
    const published: string[] = [];
    const counting = async (row: Parameters<typeof publish>[0]) => {
      published.push(row.id);
      await new Promise((r) => setTimeout(r, 5)); // hold the batch a little, so the claims overlap
      return publish(row);
    };
    const [a, b] = await Promise.all([relay(counting).drain(), relay(counting).drain()]);
    expect(a + b).toBe(60);
    expect(published.sort()).toEqual([...ids].sort());
    expect(await pending()).toEqual([]);
    await deliveriesOf('replica-0');
    const delivered = Array.from({ length: 60 }, (_, i) => seen.get(`replica-${i}`) ?? []);
    expect(delivered.every((d) => d.length === 1)).toBe(true);
  });

  it('fail/a publish the server refuses keeps the row with its error and attempt; the next relay publishes it', async () => {
    const id = await enqueue('refused-once');
    await expect(
      relay(async () => {
        throw new Error('503 no responders available');
      }).drain(),
    ).resolves.toBe(0);
    expect(await db.outboxEvent.findUnique({ where: { id } })).toMatchObject({ attempts: 1, lastError: '503 no responders available' });
    await expect(relay().drain()).resolves.toBe(1);
    expect(await deliveriesOf('refused-once')).toEqual([id]);
  });
});
