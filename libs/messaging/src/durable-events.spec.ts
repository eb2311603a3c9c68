import type { JsMsg, NatsConnection } from 'nats';
import { getLogger } from '@certctl/observability';
import { z } from 'zod';
import { ACK_WAIT_MS, MAX_DELIVERIES, REDELIVERY_DELAYS_MS, deliver, redeliveryDelayMs } from './durable-events';

// What deliver reads of an event contract: its subject and payload schema.
const event = { subject: 'certctl.v1.events.test.happened', payload: z.object({ id: z.string() }) } as never;

function message(body: unknown, redeliveryCount = 1) {
  const calls: string[] = [];
  const msg = {
    subject: 'certctl.v1.events.test.happened',
    seq: 7,
    data: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
    info: { redeliveryCount },
    ack: () => calls.push('ack'),
    nak: (delay?: number) => calls.push(`nak ${delay}`),
    term: () => calls.push('term'),
    working: () => calls.push('working'),
  } as unknown as JsMsg;
  return { msg, calls };
}

const published: { subject: string; headers: Record<string, string> }[] = [];
const nc = {
  publish: (subject: string, _data: Uint8Array, opts: { headers: { get(k: string): string } }) =>
    published.push({ subject, headers: { consumer: opts.headers.get('certctl-consumer'), error: opts.headers.get('certctl-error') } }),
} as unknown as NatsConnection;
const stored = { pattern: 'certctl.v1.events.test.happened', data: { id: 'x-1' }, id: 'evt-1' };

describe('durable event delivery', () => {
  beforeEach(() => (published.length = 0));

  it('ok/the handler gets the payload, the event id and the delivery count; the event is acknowledged after it resolved', async () => {
    const { msg, calls } = message(stored, 2);
    const handler = jest.fn().mockResolvedValue(undefined);
    await deliver(nc, 'notifications-test', event, handler, msg, getLogger());
    expect(handler).toHaveBeenCalledWith({ id: 'x-1' }, { eventId: 'evt-1', deliveries: 2 });
    expect(calls).toEqual(['ack']);
  });

  it('fail/a failing handler is not acknowledged: the event comes back after the delay for its delivery count', async () => {
    const { msg, calls } = message(stored, 3);
    await deliver(nc, 'notifications-test', event, jest.fn().mockRejectedValue(new Error('db down')), msg, getLogger());
    expect(calls).toEqual([`nak ${REDELIVERY_DELAYS_MS[2]}`]);
    expect(published).toEqual([]);
  });

  it('fail/after the last delivery the event goes to certctl.v1.dead.<subject> with the consumer and the error, and is terminated', async () => {
    const { msg, calls } = message(stored, MAX_DELIVERIES);
    await deliver(nc, 'notifications-test', event, jest.fn().mockRejectedValue(new Error('still broken')), msg, getLogger());
    expect(calls).toEqual(['term']);
    expect(published).toEqual([
      { subject: 'certctl.v1.dead.certctl.v1.events.test.happened', headers: { consumer: 'notifications-test', error: 'still broken' } },
    ]);
  });

  it('fail/a malformed event (not JSON, no id, payload off its contract) is dropped without calling the handler', async () => {
    for (const body of ['not json', { pattern: 'p', data: { id: 'x' } }, { ...stored, data: { id: 42 } }]) {
      const { msg, calls } = message(body);
      const handler = jest.fn();
      await deliver(nc, 'notifications-test', event, handler, msg, getLogger());
      expect(handler).not.toHaveBeenCalled();
      expect(calls).toEqual(['term']);
    }
  });

  it('ok/a handler that runs longer than the ack wait tells the server it is working, so its event does not go to another replica', async () => {
    jest.useFakeTimers();
    try {
      const { msg, calls } = message(stored);
      let finish!: () => void;
      const done = deliver(nc, 'notifications-test', event, () => new Promise<void>((resolve) => (finish = resolve)), msg, getLogger());
      jest.advanceTimersByTime(ACK_WAIT_MS * 2);
      finish();
      await done;
      jest.advanceTimersByTime(ACK_WAIT_MS * 2); // nothing after the ack
      expect(calls).toEqual(['working', 'working', 'working', 'working', 'working', 'working', 'ack']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ok/redelivery delays grow with the delivery count and stay at the last step', () => {
    expect([1, 2, 3, 7, 8, 50].map(redeliveryDelayMs)).toEqual([1000, 5000, 15000, 300000, 300000, 300000]);
  });
});
