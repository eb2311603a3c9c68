import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ChannelType, NotificationEvents, QueueName } from '@certctl/contracts';
import { PrismaService } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger, registry } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { Gauge } from 'prom-client';
import { senderFor } from '../channels/channel.factory';
import type { ChannelConfig } from '../channels/channel.types';
import { ChannelService } from '../routing/channel.service';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../config';
import { NotificationService } from '../notifications/notification.service';
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
    private readonly db: PrismaService,
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
    deadGauge.set(await this.db.notificationEvent.count({ where: { status: 'dead' } }));
  }

  /** One attempt. Never delivers a row already sent or dead; records the outcome on the row. */
  async deliver(id: string): Promise<'sent' | 'failed' | 'dead' | 'skipped'> {
    const row = await this.db.notificationEvent.findUnique({ where: { id } });
    if (!row || row.status === 'sent' || row.status === 'dead') return 'skipped';
    const channel = row.channelId ? await this.channels.loadForDelivery(row.channelId) : null;
    let error: string | null = null;
    if (!channel) error = 'channel no longer exists or is disabled';
    else {
      try {
        await senderFor(channel.type as ChannelType).send(
          {
            id: row.id,
            event: row.type,
            severity: row.severity,
            subject: row.subject,
            message: row.message,
            recipient: row.recipient,
            dedupeKey: row.dedupeKey,
            payload: row.payload as Record<string, unknown>,
          },
          {
            type: channel.type as ChannelType,
            config: channel.config as ChannelConfig,
            secret: channel.secret,
            timeoutMs: this.config.CERTCTL_NOTIFY_TIMEOUT_MS,
            policy: {
              allowPrivateAddresses: this.config.CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES,
              smtpAllowPlaintextAuth: this.config.CERTCTL_NOTIFY_SMTP_ALLOW_PLAINTEXT_AUTH,
            },
          },
        );
      } catch (err) {
        error = err instanceof Error && err.name === 'DeliveryError' ? err.message : 'delivery failed';
      }
    }
    const attempt = row.retryCount + 1;
    if (error === null) {
      // Conditional on the attempt we made: a concurrent or stale attempt cannot overwrite the record.
      await this.db.notificationEvent.updateMany({
        where: { id, retryCount: row.retryCount, generation: row.generation, status: { in: ['pending', 'failed'] } },
        data: { status: 'sent', sentAt: new Date(), deliveredAttempt: attempt, lastError: null, nextRetryAt: null },
      });
      attempts.inc({ channel: row.channel, result: 'sent' });
      return 'sent';
    }
    const next = afterFailure(row.retryCount, new Date(), {
      maxAttempts: this.config.CERTCTL_NOTIFY_MAX_ATTEMPTS,
      baseMs: this.config.CERTCTL_NOTIFY_BACKOFF_BASE_MS,
      maxMs: this.config.CERTCTL_NOTIFY_BACKOFF_MAX_MS,
    });
    const updated = await this.db.notificationEvent.updateMany({
      where: { id, retryCount: row.retryCount, generation: row.generation, status: { in: ['pending', 'failed'] } },
      data: { status: next.dead ? 'dead' : 'failed', retryCount: next.retryCount, nextRetryAt: next.nextRetryAt, lastError: error },
    });
    attempts.inc({ channel: row.channel, result: next.dead ? 'dead' : 'failed' });
    getLogger().warn({ notification_id: id, channel: row.channel, attempt, dead: next.dead, error }, 'notification attempt failed');
    if (updated.count === 0) return 'skipped';
    if (next.dead) {
      deadTotal.inc({ channel: row.channel });
      void this.refreshDeadGauge().catch(() => undefined);
      await this.rpc
        .emit(NotificationEvents.deadLettered, { notification_id: id, channel: row.channel, last_error: error })
        .catch(() => undefined);
      return 'dead';
    }
    await this.notifications.enqueue(id, row.generation, next.retryCount, next.nextRetryAt!.getTime() - Date.now());
    return 'failed';
  }
}
