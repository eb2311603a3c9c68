import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ChannelType, NotificationEvents, QueueName } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger, registry } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { Gauge } from 'prom-client';
import { senderFor } from '../channels/channel.factory';
import { DeliveryError, type Outgoing } from '../channels/channel.types';
import { sendContextFor } from '../channels/send-context';
import { ChannelService } from '../routing/channel.service';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../config';
import { type NotificationRow, NotificationRepository } from '../notifications/notification.repository';
import { NotificationService, skipped } from '../notifications/notification.service';
import { afterFailure } from './backoff';

const attempts = counter('certctl_notification_attempts_total', 'Notification delivery attempts by channel and result', [
  'channel',
  'result',
]);
const deadTotal = counter('certctl_notification_dead_total', 'Notifications that became dead after their last attempt', ['channel']);
const deadGauge =
  (registry.getSingleMetric('certctl_notification_dead') as Gauge | undefined) ??
  new Gauge({ name: 'certctl_notification_dead', help: 'Notification rows in the dead state now', registers: [registry] });

/**
 * The BullMQ consumer: one queue job = one delivery attempt of one row. Retry state lives
 * on the row (retry_count, next_retry_at, last_error); the next attempt is a new delayed job.
 */
@Injectable()
export class DeliveryProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly events: NotificationRepository,
    private readonly queues: QueueService,
    private readonly rpc: RpcClient,
    private readonly channels: ChannelService,
    private readonly notifications: NotificationService,
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.worker(QueueName.Notifications, (job) => this.deliver(job.data.notification_id), {
      concurrency: this.config.CERTCTL_NOTIFY_CONCURRENCY,
      lockDurationMs: this.config.CERTCTL_NOTIFY_STALLED_MS,
      stalledIntervalMs: this.config.CERTCTL_NOTIFY_STALLED_MS,
    });
    const tick = () =>
      void Promise.all([this.notifications.reconcile(), this.refreshDeadGauge()]).catch((err: Error) =>
        getLogger().warn({ err: err.message }, 'notification reconciliation failed'),
      );
    tick();
    this.timer = setInterval(tick, this.config.CERTCTL_NOTIFY_RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async refreshDeadGauge(): Promise<void> {
    deadGauge.set(await this.events.countDead());
  }

  /**
   * One attempt. Never delivers a row already sent or dead, or one another attempt is sending;
   * records the outcome on the row. A failure the channel marks as not retryable is dead at once
   * (no further attempt queued).
   */
  async deliver(id: string): Promise<'sent' | 'failed' | 'dead' | 'skipped'> {
    // Held for twice the send timeout: a live attempt always records its outcome before then.
    const row = await this.events.claim(id, 2 * this.config.CERTCTL_NOTIFY_TIMEOUT_MS + 5000);
    if (!row) return 'skipped';
    const failure = await this.attempt(row);
    if (failure === null) {
      await this.events.recordSent(row, new Date());
      attempts.inc({ channel: row.channel, result: 'sent' });
      return 'sent';
    }
    return this.recordFailure(row, failure);
  }

  /** Sends the row once through its channel; null when delivered, else why not and whether another attempt may succeed. */
  private async attempt(row: NotificationRow): Promise<AttemptFailure | null> {
    const channel = row.channelId ? await this.channels.loadForDelivery(row.channelId) : null;
    if (!channel) return this.unusableChannel(row);
    try {
      await senderFor(channel.type as ChannelType).send(outgoingOf(row), sendContextFor(channel, this.config));
      return null;
    } catch (err) {
      if (err instanceof DeliveryError) return { error: err.message, retryable: err.retryable };
      return { error: 'delivery failed', retryable: true };
    }
  }

  /**
   * The row's channel was disabled or deleted after the row was routed: not sent, dead at once
   * (no retries against a channel an operator turned off), counted, and the reason on the row.
   */
  private async unusableChannel(row: NotificationRow): Promise<AttemptFailure> {
    const reason = (await this.channels.unusableReason(row.channelId)) ?? 'channel_disabled';
    skipped.inc({ reason });
    const why = reason === 'channel_deleted' ? 'was deleted: not sent' : 'is disabled: not sent (enable the channel, then requeue)';
    return { error: `channel ${row.channelId ?? '(none)'} ${why}`, retryable: false };
  }

  /** Records the failed attempt; queues the next one with backoff, or dead-letters the row. */
  private async recordFailure(row: NotificationRow, { error, retryable }: AttemptFailure): Promise<'failed' | 'dead' | 'skipped'> {
    const next = afterFailure(
      row.retryCount,
      new Date(),
      {
        maxAttempts: this.config.CERTCTL_NOTIFY_MAX_ATTEMPTS,
        baseMs: this.config.CERTCTL_NOTIFY_BACKOFF_BASE_MS,
        maxMs: this.config.CERTCTL_NOTIFY_BACKOFF_MAX_MS,
      },
      retryable,
    );
    const updated = await this.events.recordFailure(row, { ...next, lastError: error });
    attempts.inc({ channel: row.channel, result: next.dead ? 'dead' : 'failed' });
    getLogger().warn(
      { notification_id: row.id, channel: row.channel, attempt: row.retryCount + 1, dead: next.dead, retryable, error },
      'notification attempt failed',
    );
    if (!updated) return 'skipped';
    if (next.dead) {
      await this.deadLetter(row, error);
      return 'dead';
    }
    await this.notifications.enqueue(row.id, row.generation, next.retryCount, next.nextRetryAt!.getTime() - Date.now());
    return 'failed';
  }

  private async deadLetter(row: NotificationRow, error: string): Promise<void> {
    deadTotal.inc({ channel: row.channel });
    void this.refreshDeadGauge().catch(() => undefined);
    await this.rpc
      .emit(NotificationEvents.deadLettered, { notification_id: row.id, channel: row.channel, last_error: error })
      .catch(() => undefined);
  }
}

interface AttemptFailure {
  /** Safe to store in last_error. */
  error: string;
  retryable: boolean;
}

function outgoingOf(row: NotificationRow): Outgoing {
  return {
    id: row.id,
    event: row.type,
    severity: row.severity,
    subject: row.subject,
    message: row.message,
    recipient: row.recipient,
    dedupeKey: row.dedupeKey,
    payload: row.payload as Record<string, unknown>,
  };
}
