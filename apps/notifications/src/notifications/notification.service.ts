import { Inject, Injectable } from '@nestjs/common';
import { AppError, type NotificationRpc, QueueName, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type Prisma, newId, decodeIdCursor, encodeIdCursor } from '@certctl/database';
import { counter, getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { attemptJobId } from '../delivery/backoff';
import { dedupeKeyFor, routeAlertExplained } from '../routing/routing';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../config';
import { toNotificationDto } from './notification.mapper';
import type { ChannelConfig } from '../channels/channel.types';
import { type ChannelRow, ChannelRepository } from '../routing/channel.repository';
import { RuleRepository } from '../routing/rule.repository';
import { type NewNotification, NotificationRepository } from './notification.repository';

/** Deliveries not made because a rule or a channel is disabled (at routing) or became so before delivery. */
export const skipped = counter(
  'certctl_notification_skipped_total',
  'Deliveries skipped because a routing rule or channel is disabled, or the channel was deleted',
  ['reason'],
);

type DispatchReq = RpcRequestParsed<typeof NotificationRpc.dispatch>;
type ParsedAlert = DispatchReq['alerts'][number];

/**
 * Notification rows: written before any delivery is attempted (the row is the record,
 * the queue only a trigger), routed by rules to channels, one row per alert and channel.
 */
@Injectable()
export class NotificationService {
  constructor(
    private readonly events: NotificationRepository,
    private readonly rules: RuleRepository,
    private readonly channels: ChannelRepository,
    private readonly queues: QueueService,
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async dispatch({ alerts }: DispatchReq): Promise<RpcResponse<typeof NotificationRpc.dispatch>> {
    // Every rule and channel: the disabled ones route nothing, but what they kept from an alert is counted.
    const [rules, channels] = await Promise.all([this.rules.findAll(), this.channels.findAllByName()]);
    const byId = new Map(channels.map((channel) => [channel.id, channel]));
    const rows = alerts.flatMap((alert) => {
      const route = routeAlertExplained(rules, (id) => byId.get(id)?.enabled, alert);
      if (route.disabledRules.length) skipped.inc({ reason: 'rule_disabled' }, route.disabledRules.length);
      if (route.disabledChannels.length) skipped.inc({ reason: 'channel_disabled' }, route.disabledChannels.length);
      return rowsForAlert(alert, route.channelIds, byId);
    });
    if (rows.length === 0) return { created: 0, duplicates: 0 };
    // The unique dedupe key makes a second dispatch of the same alert (another scan, another replica) a no-op.
    const created = await this.events.insertNew(rows);
    for (const id of created) await this.enqueue(id, 0, 0);
    return { created: created.length, duplicates: rows.length - created.length };
  }

  /** Queues one delivery attempt; a lost enqueue is repaired by reconciliation (the row stays pending). */
  async enqueue(id: string, generation: number, retryCount: number, delayMs = 0): Promise<void> {
    try {
      await this.queues.add(
        QueueName.Notifications,
        attemptJobId(id, generation, retryCount),
        { notification_id: id },
        { attempts: 1, delay: delayMs },
      );
    } catch (err) {
      getLogger().warn({ notification_id: id, err: (err as Error).message }, 'could not queue notification now; reconciliation will');
    }
  }

  async list(q: RpcRequestParsed<typeof NotificationRpc.list>): Promise<RpcResponse<typeof NotificationRpc.list>> {
    const rows = await this.events.findPage({
      status: q.status,
      certificateId: q.certificate_id,
      event: q.event,
      channelId: q.channel_id,
      afterId: q.cursor ? decodeIdCursor(q.cursor) : undefined,
      limit: q.limit,
    });
    const page = rows.slice(0, q.limit);
    return { data: page.map(toNotificationDto), next_cursor: rows.length > q.limit ? encodeIdCursor(page[page.length - 1]!.id) : null };
  }

  /** Rows per status (the dashboard's dead-letter count). */
  async counts(): Promise<RpcResponse<typeof NotificationRpc.counts>> {
    return { by_status: await this.events.countByStatus() };
  }

  async get(id: string): Promise<RpcResponse<typeof NotificationRpc.get>> {
    const row = await this.events.findById(id);
    if (!row) throw AppError.notFound('notification', id);
    return toNotificationDto(row);
  }

  /** A dead notification gets a fresh attempt budget: count reset, error cleared, redelivered. */
  async requeue(req: RpcRequestParsed<typeof NotificationRpc.requeue>): Promise<RpcResponse<typeof NotificationRpc.requeue>> {
    const row = await this.events.reopenDead(req.id);
    if (!row) {
      const status = await this.events.findStatus(req.id);
      if (!status) throw AppError.notFound('notification', req.id);
      throw new AppError('conflict', `notification ${req.id} is ${status}; only dead notifications can be requeued`);
    }
    getLogger().info({ notification_id: row.id, actor: req.actor.principal }, 'dead notification requeued');
    await this.enqueue(row.id, row.generation, 0);
    return toNotificationDto(row);
  }

  /** Rows whose queue entry may be lost: pending for a while, or failed and past their retry time. */
  async reconcile(): Promise<number> {
    const graceMs = Math.min(10000, this.config.CERTCTL_NOTIFY_RECONCILE_INTERVAL_MS);
    const cutoff = new Date(Date.now() - graceMs);
    const rows = await this.events.findPossiblyUnqueued(cutoff, 1000);
    const queue = this.queues.queue(QueueName.Notifications);
    let requeued = 0;
    for (const row of rows) {
      const job = await queue.getJob(attemptJobId(row.id, row.generation, row.retryCount));
      const state = job ? await job.getState() : 'missing';
      if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children')
        continue;
      if (job) await job.remove().catch(() => undefined);
      await this.enqueue(row.id, row.generation, row.retryCount);
      requeued++;
    }
    if (requeued) getLogger().info({ count: requeued }, 'notifications put back on the queue');
    return requeued;
  }
}

/** One row per channel the rules route the alert to (one per recipient for email). */
function rowsForAlert(alert: ParsedAlert, channelIds: string[], channelsById: Map<string, ChannelRow>): NewNotification[] {
  const rows: NewNotification[] = [];
  for (const channelId of channelIds) {
    const channel = channelsById.get(channelId);
    if (!channel) continue;
    const recipients =
      channel.type === 'email' ? emailRecipients(channel.config as ChannelConfig, alert.certificate?.owner_email) : [channel.name];
    const key = dedupeKeyFor(alert.dedupe_key, channelId);
    for (const recipient of recipients) {
      rows.push({
        id: newId('ntf'),
        type: alert.event,
        certificateId: alert.certificate?.id ?? null,
        channel: channel.type,
        channelId,
        recipient,
        subject: alert.subject,
        message: alert.message,
        severity: alert.severity,
        payload: { ...alert.data, ...(alert.certificate ? { certificate: alert.certificate } : {}) } as Prisma.InputJsonValue,
        dedupeKey: key && recipients.length > 1 ? `${key}|${recipient}` : key,
      });
    }
  }
  return rows;
}

function emailRecipients(cfg: ChannelConfig, ownerEmail: string | undefined): string[] {
  const out = new Set(cfg.to ?? []);
  if (cfg.to_owner && ownerEmail) out.add(ownerEmail);
  return [...out];
}
