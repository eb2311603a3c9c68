import { Inject, Injectable } from '@nestjs/common';
import { AppError, type NotificationRpc, QueueName, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type Prisma, PrismaService, newId, decodeIdCursor, encodeIdCursor } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { attemptJobId } from '../delivery/backoff';
import { dedupeKeyFor, routeAlert } from '../routing/routing';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../config';
import { toNotificationDto } from './notification.mapper';
import type { ChannelConfig } from '../channels/channel.types';

type DispatchReq = RpcRequestParsed<typeof NotificationRpc.dispatch>;

/**
 * Notification rows: written before any delivery is attempted (the row is the record,
 * the queue only a trigger), routed by rules to channels, one row per alert and channel.
 */
@Injectable()
export class NotificationService {
  constructor(
    private readonly db: PrismaService,
    private readonly queues: QueueService,
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async dispatch({ alerts }: DispatchReq): Promise<RpcResponse<typeof NotificationRpc.dispatch>> {
    const [rules, channels] = await Promise.all([
      this.db.notificationRule.findMany({ where: { enabled: true } }),
      this.db.notificationChannel.findMany({ where: { enabled: true } }),
    ]);
    const byId = new Map(channels.map((c) => [c.id, c]));
    const rows: Prisma.NotificationEventCreateManyInput[] = [];
    for (const alert of alerts) {
      for (const channelId of routeAlert(rules, alert)) {
        const ch = byId.get(channelId);
        if (!ch) continue;
        const cfg = ch.config as ChannelConfig;
        const recipients = ch.type === 'email' ? emailRecipients(cfg, alert.certificate?.owner_email) : [ch.name];
        for (const recipient of recipients) {
          const key = dedupeKeyFor(alert.dedupe_key, channelId);
          rows.push({
            id: newId('ntf'),
            type: alert.event,
            certificateId: alert.certificate?.id ?? null,
            channel: ch.type,
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
    }
    if (rows.length === 0) return { created: 0, duplicates: 0 };
    // The unique dedupe key makes a second dispatch of the same alert (another scan, another replica) a no-op.
    const created = await this.db.notificationEvent.createManyAndReturn({ data: rows, skipDuplicates: true, select: { id: true } });
    for (const { id } of created) await this.enqueue(id, 0, 0);
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
    const after = q.cursor ? decodeIdCursor(q.cursor) : undefined;
    const rows = await this.db.notificationEvent.findMany({
      where: {
        ...(q.status ? { status: q.status } : {}),
        ...(q.certificate_id ? { certificateId: q.certificate_id } : {}),
        ...(q.event ? { type: q.event } : {}),
        ...(q.channel_id ? { channelId: q.channel_id } : {}),
      },
      orderBy: { id: 'desc' },
      ...(after ? { cursor: { id: after }, skip: 1 } : {}),
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return { data: page.map(toNotificationDto), next_cursor: rows.length > q.limit ? encodeIdCursor(page[page.length - 1]!.id) : null };
  }

  /** Rows per status (the dashboard's dead-letter count). */
  async counts(): Promise<RpcResponse<typeof NotificationRpc.counts>> {
    const rows = await this.db.notificationEvent.groupBy({ by: ['status'], _count: { _all: true } });
    return { by_status: Object.fromEntries(rows.map((r) => [r.status, r._count._all])) };
  }

  async get(id: string): Promise<RpcResponse<typeof NotificationRpc.get>> {
    const row = await this.db.notificationEvent.findUnique({ where: { id } });
    if (!row) throw AppError.notFound('notification', id);
    return toNotificationDto(row);
  }

  /** A dead notification gets a fresh attempt budget: count reset, error cleared, redelivered. */
  async requeue(req: RpcRequestParsed<typeof NotificationRpc.requeue>): Promise<RpcResponse<typeof NotificationRpc.requeue>> {
    const rows = await this.db.notificationEvent.updateManyAndReturn({
      where: { id: req.id, status: 'dead' },
      data: { status: 'pending', retryCount: 0, lastError: null, nextRetryAt: null, generation: { increment: 1 } },
    });
    const row = rows[0];
    if (!row) {
      const exists = await this.db.notificationEvent.findUnique({ where: { id: req.id }, select: { status: true } });
      if (!exists) throw AppError.notFound('notification', req.id);
      throw new AppError('conflict', `notification ${req.id} is ${exists.status}; only dead notifications can be requeued`);
    }
    getLogger().info({ notification_id: row.id, actor: req.actor.principal }, 'dead notification requeued');
    await this.enqueue(row.id, row.generation, 0);
    return toNotificationDto(row);
  }

  /** Rows whose queue entry may be lost: pending for a while, or failed and past their retry time. */
  async reconcile(): Promise<number> {
    const graceMs = Math.min(10000, this.config.CERTCTL_NOTIFY_RECONCILE_INTERVAL_MS);
    const cutoff = new Date(Date.now() - graceMs);
    const rows = await this.db.notificationEvent.findMany({
      where: {
        OR: [
          { status: 'pending', updatedAt: { lt: cutoff } },
          { status: 'failed', nextRetryAt: { lt: cutoff } },
        ],
      },
      select: { id: true, generation: true, retryCount: true },
      take: 1000,
    });
    const queue = this.queues.queue(QueueName.Notifications);
    let n = 0;
    for (const r of rows) {
      const jobId = attemptJobId(r.id, r.generation, r.retryCount);
      const job = await queue.getJob(jobId);
      const state = job ? await job.getState() : 'missing';
      if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children')
        continue;
      if (job) await job.remove().catch(() => undefined);
      await this.enqueue(r.id, r.generation, r.retryCount);
      n++;
    }
    if (n) getLogger().info({ count: n }, 'notifications put back on the queue');
    return n;
  }
}

function emailRecipients(cfg: ChannelConfig, ownerEmail: string | undefined): string[] {
  const out = new Set(cfg.to ?? []);
  if (cfg.to_owner && ownerEmail) out.add(ownerEmail);
  return [...out];
}
