import { AuditEvents, RevocationEvents } from '@certctl/contracts';
import { registry } from '@certctl/observability';
import { waitFor } from '@certctl/testing';
import { type BatchOutcome, type OutboxRow, type OutboxStore, OutboxRelay, enqueueEvent } from './outbox';
import { auditEvent } from './audit-event';
import { crashBeforeOutboxPublishForTest } from './test-hooks';

/** The table in memory: claim takes rows in order, deletes the published ones, keeps the rest (and all of them when `publish` throws). */
class MemoryStore implements OutboxStore {
  rows: (OutboxRow & { attempts: number; lastError?: string })[] = [];
  claims = 0;
  add(...ids: string[]) {
    for (const id of ids) this.rows.push({ id, subject: 'certctl.v1.events.test.done', payload: { id }, headers: {}, attempts: 0 });
  }
  async claim(_service: string, limit: number, publish: (rows: OutboxRow[]) => Promise<BatchOutcome>): Promise<number> {
    this.claims++;
    const batch = this.rows.slice(0, limit);
    if (!batch.length) return 0;
    const outcome = await publish(batch.map(({ id, subject, payload, headers }) => ({ id, subject, payload, headers })));
    this.rows = this.rows.filter((r) => !outcome.published.includes(r.id));
    for (const f of outcome.failed) {
      const row = this.rows.find((r) => r.id === f.id)!;
      row.attempts++;
      row.lastError = f.error;
    }
    return batch.length;
  }
  async pending(): Promise<number> {
    return this.rows.length;
  }
}

const metric = async (name: string, labels: Record<string, string>) =>
  (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;

/**
 * A started relay whose first drain holds row `first` at its publish until `release()`: a relay
 * that is busy draining. `sent` lists every publish in order.
 */
async function relayBusyWith(first: string, service: string, pollMs: number) {
  const store = new MemoryStore();
  store.add(first);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const sent: string[] = [];
  const relay = new OutboxRelay(
    store,
    async (row) => {
      sent.push(row.id);
      if (row.id === first) await gate;
      return { duplicate: false };
    },
    { service, pollMs },
  );
  relay.start(); // the first scan claims `first` and waits on the gate
  await new Promise((r) => setImmediate(r));
  return { store, relay, sent, release };
}

describe('OutboxRelay', () => {
  it('ok/publishes pending rows in order with their own ids and deletes them; a duplicate ack counts as published', async () => {
    const store = new MemoryStore();
    store.add('e1', 'e2', 'e3');
    const sent: string[] = [];
    const relay = new OutboxRelay(
      store,
      async (row) => {
        sent.push(row.id);
        return { duplicate: row.id === 'e2' };
      },
      { service: 'svc-order' },
    );
    await expect(relay.drain()).resolves.toBe(3);
    expect(sent).toEqual(['e1', 'e2', 'e3']);
    expect(store.rows).toEqual([]);
    expect(await metric('certctl_outbox_published_total', { service: 'svc-order', result: 'stored' })).toBe(2);
    expect(await metric('certctl_outbox_published_total', { service: 'svc-order', result: 'duplicate' })).toBe(1);
  });

  it('ok/more rows than a batch are claimed batch after batch until fewer than a batch is left', async () => {
    const store = new MemoryStore();
    store.add(...Array.from({ length: 7 }, (_, i) => `b${i}`));
    const relay = new OutboxRelay(store, async () => ({ duplicate: false }), { service: 'svc-batch', batchSize: 3 });
    await expect(relay.drain()).resolves.toBe(7);
    expect(store.claims).toBe(3); // 3 + 3 + 1
    expect(store.rows).toEqual([]);
  });

  it('fail/a failed publish keeps its row with the error and attempt, the others are deleted, and the drain stops until the next scan', async () => {
    const store = new MemoryStore();
    store.add('ok1', 'bad', 'ok2');
    const relay = new OutboxRelay(
      store,
      async (row) => {
        if (row.id === 'bad') throw new Error('503 no responders available');
        return { duplicate: false };
      },
      { service: 'svc-fail', batchSize: 3 },
    );
    await expect(relay.drain()).resolves.toBe(2);
    expect(store.claims).toBe(1);
    expect(store.rows).toEqual([expect.objectContaining({ id: 'bad', attempts: 1, lastError: '503 no responders available' })]);
    expect(await metric('certctl_outbox_publish_failures_total', { service: 'svc-fail' })).toBe(1);
  });

  it('fail/a crash after the publish and before the delete leaves the row; the next relay publishes it again under the same id', async () => {
    const store = new MemoryStore();
    store.add('crash-1');
    const ids: string[] = [];
    const dying = new OutboxRelay(
      {
        ...store,
        claim: (service, limit, publish) =>
          store.claim(service, limit, async (rows) => {
            await publish(rows);
            throw new Error('process died before the commit');
          }),
        pending: () => store.pending(),
      },
      async (row) => (ids.push(row.id), { duplicate: false }),
      { service: 'svc-crash' },
    );
    await expect(dying.drain()).rejects.toThrow('process died');
    expect(store.rows.map((r) => r.id)).toEqual(['crash-1']);
    const fresh = new OutboxRelay(store, async (row) => (ids.push(row.id), { duplicate: true }), { service: 'svc-crash' });
    await expect(fresh.drain()).resolves.toBe(1);
    expect(ids).toEqual(['crash-1', 'crash-1']); // the same Nats-Msg-Id: JetStream stores it once
    expect(store.rows).toEqual([]);
  });

  it('ok/a wake during a drain runs one more drain after it (coalesced); stop waits for the drain in progress and sets the pending gauge', async () => {
    const { store, relay, sent, release } = await relayBusyWith('w1', 'svc-wake', 30);
    store.add('w2', 'w3'); // committed while the first drain is busy
    relay.wake();
    relay.wake();
    release();
    // The coalesced drain sent the rest, and the scan after it counted what is left.
    await waitFor(
      async () => store.rows.length === 0 && (await metric('certctl_outbox_pending', { service: 'svc-wake' })) === 0,
      5000,
      'the drain',
      5,
    );
    await relay.stop();
    expect(sent).toEqual(['w1', 'w2', 'w3']);
    expect(store.rows).toEqual([]);
    expect(await metric('certctl_outbox_pending', { service: 'svc-wake' })).toBe(0);
    store.add('w4');
    relay.wake(); // stopped: nothing happens
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toEqual(['w1', 'w2', 'w3']);
    expect(store.rows.map((r) => r.id)).toEqual(['w4']);
  });

  it('fail/a store that cannot be reached is logged and retried on the next scan, never thrown out of wake', async () => {
    let calls = 0;
    const relay = new OutboxRelay(
      {
        claim: async () => {
          calls++;
          throw new Error('connection refused');
        },
        pending: async () => 0,
      },
      async () => ({ duplicate: false }),
      { service: 'svc-down', pollMs: 10 },
    );
    relay.start();
    await waitFor(async () => calls >= 2, 5000, 'a second scan', 5);
    await relay.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});

describe('OutboxRelay.committed (the writer publishes right after its commit)', () => {
  it('ok/the committed rows are published at once, then claimed, published again under the same ids (the stream keeps one) and deleted', async () => {
    const store = new MemoryStore();
    store.add('c1');
    const sent: string[] = [];
    const stored = new Set<string>();
    const relay = new OutboxRelay(
      store,
      async (row) => {
        sent.push(`${row.id} after claim ${store.claims}`);
        const duplicate = stored.has(row.id); // the stream's de-duplication by Nats-Msg-Id
        stored.add(row.id);
        return { duplicate };
      },
      { service: 'svc-early', pollMs: 60_000 },
    );
    relay.start();
    await waitFor(async () => store.rows.length === 0);
    await new Promise((resolve) => setImmediate(resolve)); // that drain is over: the relay is idle
    sent.length = 0;
    const claims = store.claims;
    store.add('e1');
    relay.committed([{ id: 'e1', subject: 'certctl.v1.events.test.done', payload: { id: 'e1' }, headers: {} }]);
    await waitFor(async () => store.rows.length === 0);
    // Published before the relay's claim, then again by the claim.
    expect(sent).toEqual([`e1 after claim ${claims}`, `e1 after claim ${claims + 1}`]);
    expect([...stored]).toEqual(['c1', 'e1']);
    expect(await metric('certctl_outbox_published_total', { service: 'svc-early', result: 'early' })).toBe(1);
    expect(await metric('certctl_outbox_published_total', { service: 'svc-early', result: 'duplicate' })).toBe(1);
    await relay.stop();
  });

  it('fail/an early publish that fails changes nothing: the relay publishes and deletes the row', async () => {
    const store = new MemoryStore();
    let calls = 0;
    const relay = new OutboxRelay(
      store,
      async () => {
        if (calls++ === 0) throw new Error('nats down');
        return { duplicate: false };
      },
      { service: 'svc-early-fail', pollMs: 60_000 },
    );
    relay.start();
    await relay.stop(); // the start's scan found nothing
    relay.start();
    await new Promise((resolve) => setImmediate(resolve)); // its start's scan is over: the relay is idle
    store.add('f1');
    calls = 0;
    relay.committed([{ id: 'f1', subject: 'certctl.v1.events.test.done', payload: { id: 'f1' }, headers: {} }]);
    await waitFor(async () => store.rows.length === 0);
    expect(calls).toBe(2);
    await relay.stop();
  });

  it('ok/while the relay is draining, committed rows join its next drain: published once, not early', async () => {
    const { store, relay, sent, release } = await relayBusyWith('b1', 'svc-early-busy', 60_000);
    store.add('b2');
    relay.committed([{ id: 'b2', subject: 'certctl.v1.events.test.done', payload: { id: 'b2' }, headers: {} }]);
    expect(sent).toEqual(['b1']); // not published early
    release();
    await waitFor(async () => store.rows.length === 0);
    expect(sent).toEqual(['b1', 'b2']);
    expect(await metric('certctl_outbox_published_total', { service: 'svc-early-busy', result: 'early' })).toBe(0);
    await relay.stop();
  });

  it('ok/a stopped relay publishes nothing early (the rows wait for its next start)', async () => {
    const store = new MemoryStore();
    const publish = jest.fn(async () => ({ duplicate: false }));
    const relay = new OutboxRelay(store, publish, { service: 'svc-early-stopped' });
    store.add('s1');
    relay.committed([{ id: 's1', subject: 'certctl.v1.events.test.done', payload: { id: 's1' }, headers: {} }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(publish).not.toHaveBeenCalled();
    expect(store.rows).toHaveLength(1);
  });
});

describe('enqueueEvent', () => {
  const payload = {
    certificate_id: 'cert-1',
    issuer_id: 'iss-1',
    serial_number: '0a',
    reason: 'keyCompromise' as const,
    revoked_at: '2026-12-05T10:00:00.000Z',
    actor: 'alice',
  };

  it('ok/writes the checked payload under a fresh event id, the service and the subject, with the trace headers', async () => {
    const created: unknown[] = [];
    const tx = { outboxEvent: { create: async (args: unknown) => created.push(args) } };
    const id = await enqueueEvent(tx, 'revocation', RevocationEvents.certificateRevoked, payload, { traceparent: 'tp' });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created).toEqual([
      {
        data: { id, service: 'revocation', subject: RevocationEvents.certificateRevoked.subject, payload, headers: { traceparent: 'tp' } },
      },
    ]);
  });

  it('ok/the payload is stored as it travels: a Date in an audit detail becomes its ISO string', async () => {
    const created: { data: { payload: { details: Record<string, unknown> } } }[] = [];
    const tx = { outboxEvent: { create: async (args: never) => created.push(args) } };
    const audit = auditEvent({
      service: 'inventory',
      actor: { principal: 'scheduler', kind: 'scheduler' },
      action: 'certificate.renewal.complete',
      resource_type: 'certificate',
      resource_id: 'cert-1',
      details: { not_after: new Date('2026-04-01T00:00:00.000Z') },
    });
    await enqueueEvent(tx, 'inventory', AuditEvents.recorded, audit);
    expect(created[0]!.data.payload.details).toEqual({ not_after: '2026-04-01T00:00:00.000Z' });
  });

  it('fail/a payload outside its contract fails the transaction instead of reaching the relay', async () => {
    const created: unknown[] = [];
    const tx = { outboxEvent: { create: async (args: unknown) => created.push(args) } };
    const bad = { ...payload, reason: 'bored' } as unknown as typeof payload;
    await expect(enqueueEvent(tx, 'revocation', RevocationEvents.certificateRevoked, bad)).rejects.toThrow();
    expect(created).toEqual([]);
  });
});

describe('the crash-before-publish test hook', () => {
  const kill = jest.spyOn(process, 'kill').mockImplementation(() => true);
  afterAll(() => kill.mockRestore());

  it('ok/kills only with NODE_ENV=test and a batch holding the named subject', () => {
    const subject = 'certctl.v1.events.certificate.revoked';
    crashBeforeOutboxPublishForTest([subject], { NODE_ENV: 'production', CERTCTL_TEST_CRASH_BEFORE_OUTBOX_PUBLISH: subject });
    crashBeforeOutboxPublishForTest(['certctl.v1.events.other'], { NODE_ENV: 'test', CERTCTL_TEST_CRASH_BEFORE_OUTBOX_PUBLISH: subject });
    crashBeforeOutboxPublishForTest([subject], { NODE_ENV: 'test' });
    expect(kill).not.toHaveBeenCalled();
    crashBeforeOutboxPublishForTest([subject], { NODE_ENV: 'test', CERTCTL_TEST_CRASH_BEFORE_OUTBOX_PUBLISH: subject });
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
  });
});
