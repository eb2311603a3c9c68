// The delivery processor's decisions against hand-written fakes: no PostgreSQL, Redis or NATS.
import { NotificationEvents } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import type { QueueService } from '@certctl/queue';
import { DeliveryError } from '../channels/channel.types';
import type { FailureRecord, NotificationRepository, NotificationRow } from '../notifications/notification.repository';
import type { NotificationService } from '../notifications/notification.service';
import type { ChannelService } from '../routing/channel.service';
import { notificationRow, unitTestConfig } from '../testing/fixtures';
import { DeliveryProcessor } from './delivery.processor';

const send = jest.fn<Promise<void>, unknown[]>();
jest.mock('../channels/channel.factory', () => ({ senderFor: () => ({ send: (...args: unknown[]) => send(...args) }) }));

const config = unitTestConfig({ CERTCTL_NOTIFY_MAX_ATTEMPTS: '5', CERTCTL_NOTIFY_BACKOFF_BASE_MS: '1000' });
const row = (over: Partial<NotificationRow> = {}) => notificationRow({ generation: 3, ...over });

function setup(stored: NotificationRow | null, { recordWins = true } = {}) {
  const failures: FailureRecord[] = [];
  const events = {
    // As the repository: an open row (pending or failed) is taken, any other is not.
    claim: jest.fn(async () => (stored && (stored.status === 'pending' || stored.status === 'failed') ? stored : null)),
    recordSent: jest.fn(async () => undefined),
    recordFailure: jest.fn(async (_attempt: unknown, failure: FailureRecord) => {
      failures.push(failure);
      return recordWins;
    }),
    countDead: jest.fn(async () => 0),
  };
  const rpc = { emit: jest.fn(async () => undefined) };
  const notifications = { enqueue: jest.fn(async () => undefined) };
  const channels = {
    loadForDelivery: jest.fn(async () => ({ type: 'webhook', config: { url: 'https://hooks.example.test/x' } })),
    unusableReason: jest.fn(async (): Promise<'channel_deleted' | 'channel_disabled' | null> => 'channel_disabled'),
  };
  const processor = new DeliveryProcessor(
    events as unknown as NotificationRepository,
    {} as QueueService,
    rpc as unknown as RpcClient,
    channels as unknown as ChannelService,
    notifications as unknown as NotificationService,
    config,
  );
  return { processor, events, rpc, notifications, channels, failures };
}

beforeEach(() => send.mockReset());

describe('DeliveryProcessor.deliver', () => {
  it('ok/a delivered attempt is recorded as sent, conditional on the attempt made', async () => {
    send.mockResolvedValue(undefined);
    const { processor, events, notifications } = setup(row({ retryCount: 2 }));
    await expect(processor.deliver('ntf-1')).resolves.toBe('sent');
    expect(events.recordSent).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'ntf-1', retryCount: 2, generation: 3 }),
      expect.any(Date),
    );
    expect(events.recordFailure).not.toHaveBeenCalled();
    expect(notifications.enqueue).not.toHaveBeenCalled();
  });

  it('fail/a failure the channel marks not retryable is dead at its first attempt and dead-lettered, no retry queued', async () => {
    send.mockRejectedValue(new DeliveryError('https://hooks.example.test answered 404 Not Found', { retryable: false }));
    const { processor, rpc, notifications, failures } = setup(row());
    await expect(processor.deliver('ntf-1')).resolves.toBe('dead');
    expect(failures).toEqual([
      { dead: true, retryCount: 1, nextRetryAt: null, lastError: 'https://hooks.example.test answered 404 Not Found' },
    ]);
    expect(notifications.enqueue).not.toHaveBeenCalled();
    expect(rpc.emit).toHaveBeenCalledTimes(1);
    expect(rpc.emit).toHaveBeenCalledWith(NotificationEvents.deadLettered, {
      notification_id: 'ntf-1',
      channel: 'webhook',
      last_error: 'https://hooks.example.test answered 404 Not Found',
    });
  });

  it('ok/a retryable failure is recorded as failed and the next attempt queued with backoff', async () => {
    send.mockRejectedValue(new DeliveryError('https://hooks.example.test answered 503 Service Unavailable', { retryable: true }));
    const { processor, rpc, notifications, failures } = setup(row({ retryCount: 1 }));
    await expect(processor.deliver('ntf-1')).resolves.toBe('failed');
    expect(failures).toEqual([
      {
        dead: false,
        retryCount: 2,
        nextRetryAt: expect.any(Date),
        lastError: 'https://hooks.example.test answered 503 Service Unavailable',
      },
    ]);
    const [id, generation, retryCount, delayMs] = notifications.enqueue.mock.calls[0] as unknown as [string, number, number, number];
    expect([id, generation, retryCount]).toEqual(['ntf-1', 3, 2]);
    expect(delayMs).toBeGreaterThan(1000);
    expect(delayMs).toBeLessThanOrEqual(2000);
    expect(rpc.emit).not.toHaveBeenCalled();
  });

  it('fail/a retryable failure on the last attempt of the budget is dead-lettered', async () => {
    send.mockRejectedValue(new DeliveryError('request to https://hooks.example.test failed: ECONNREFUSED', { retryable: true }));
    const { processor, rpc, notifications, failures } = setup(row({ retryCount: 4 }));
    await expect(processor.deliver('ntf-1')).resolves.toBe('dead');
    expect(failures[0]).toMatchObject({ dead: true, retryCount: 5, nextRetryAt: null });
    expect(notifications.enqueue).not.toHaveBeenCalled();
    expect(rpc.emit).toHaveBeenCalledTimes(1);
  });

  it('fail/an unexpected error is retried and its message never stored (it may hold anything)', async () => {
    send.mockRejectedValue(new TypeError('secret-bearing internal detail'));
    const { processor, failures } = setup(row());
    await expect(processor.deliver('ntf-1')).resolves.toBe('failed');
    expect(failures[0]).toMatchObject({ dead: false, lastError: 'delivery failed' });
  });

  it.each([
    ['channel_disabled', 'channel nch-1 is disabled: not sent (enable the channel, then requeue)'],
    ['channel_deleted', 'channel nch-1 was deleted: not sent'],
  ] as const)('fail/a row whose channel is %s is not sent: dead at once with the reason, no retry queued', async (reason, lastError) => {
    const { processor, channels, notifications, failures } = setup(row({ channelId: 'nch-1' }));
    channels.loadForDelivery.mockResolvedValue(null as never);
    channels.unusableReason.mockResolvedValue(reason);
    await expect(processor.deliver('ntf-1')).resolves.toBe('dead');
    expect(send).not.toHaveBeenCalled();
    expect(failures[0]).toMatchObject({ dead: true, lastError });
    expect(notifications.enqueue).not.toHaveBeenCalled();
  });

  it.each(['sent', 'dead'] as const)('ok/a row already %s is skipped without sending', async (status) => {
    const { processor, events } = setup(row({ status }));
    await expect(processor.deliver('ntf-1')).resolves.toBe('skipped');
    expect(send).not.toHaveBeenCalled();
    expect(events.recordFailure).not.toHaveBeenCalled();
  });

  it('ok/a failure whose record lost to a concurrent attempt neither queues a retry nor dead-letters', async () => {
    send.mockRejectedValue(new DeliveryError('refused', { retryable: false }));
    const { processor, rpc, notifications } = setup(row(), { recordWins: false });
    await expect(processor.deliver('ntf-1')).resolves.toBe('skipped');
    expect(rpc.emit).not.toHaveBeenCalled();
    expect(notifications.enqueue).not.toHaveBeenCalled();
  });
});
