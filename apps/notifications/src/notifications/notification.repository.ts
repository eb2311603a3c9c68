import { Injectable } from '@nestjs/common';
import { type Prisma, PrismaService } from '@certctl/database';

export type NotificationRow = Prisma.NotificationEventModel;
export type NewNotification = Prisma.NotificationEventCreateManyInput;
export type NotificationStatus = NotificationRow['status'];

/** One delivery attempt's view of a row: a write conditioned on it loses to any concurrent or later attempt. */
export type AttemptOf = Pick<NotificationRow, 'id' | 'retryCount' | 'generation'>;

/** Which rows a page lists (the RPC list's filters, already parsed). */
export interface NotificationFilter {
  status?: NotificationStatus;
  certificateId?: string;
  event?: string;
  channelId?: string;
  /** Rows after this id (ids descend). */
  afterId?: string;
  limit: number;
}

/** What a failed attempt leaves on the row. */
export interface FailureRecord {
  dead: boolean;
  retryCount: number;
  nextRetryAt: Date | null;
  lastError: string;
}

const OPEN: NotificationStatus[] = ['pending', 'failed'];

/** The notification_events table: one row per alert and channel (and recipient), the record of its delivery. */
@Injectable()
export class NotificationRepository {
  constructor(private readonly db: PrismaService) {}

  /** Inserts the rows whose dedupe key is new; returns the ids actually created (duplicates are skipped). */
  async insertNew(rows: NewNotification[]): Promise<string[]> {
    const created = await this.db.notificationEvent.createManyAndReturn({ data: rows, skipDuplicates: true, select: { id: true } });
    return created.map((row) => row.id);
  }

  findById(id: string): Promise<NotificationRow | null> {
    return this.db.notificationEvent.findUnique({ where: { id } });
  }

  /** Up to `limit + 1` rows, newest id first (the extra one tells the caller a next page exists). */
  findPage(filter: NotificationFilter): Promise<NotificationRow[]> {
    return this.db.notificationEvent.findMany({
      where: {
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.certificateId ? { certificateId: filter.certificateId } : {}),
        ...(filter.event ? { type: filter.event } : {}),
        ...(filter.channelId ? { channelId: filter.channelId } : {}),
      },
      orderBy: { id: 'desc' },
      ...(filter.afterId ? { cursor: { id: filter.afterId }, skip: 1 } : {}),
      take: filter.limit + 1,
    });
  }

  async countByStatus(): Promise<Record<string, number>> {
    const groups = await this.db.notificationEvent.groupBy({ by: ['status'], _count: { _all: true } });
    return Object.fromEntries(groups.map((group) => [group.status, group._count._all]));
  }

  countDead(): Promise<number> {
    return this.db.notificationEvent.count({ where: { status: 'dead' } });
  }

  /** A dead row back to pending with a fresh attempt budget and a new generation; null when the row is not dead. */
  async reopenDead(id: string): Promise<NotificationRow | null> {
    const rows = await this.db.notificationEvent.updateManyAndReturn({
      where: { id, status: 'dead' },
      data: { status: 'pending', retryCount: 0, lastError: null, nextRetryAt: null, generation: { increment: 1 } },
    });
    return rows[0] ?? null;
  }

  async findStatus(id: string): Promise<NotificationStatus | null> {
    const row = await this.db.notificationEvent.findUnique({ where: { id }, select: { status: true } });
    return row?.status ?? null;
  }

  /** Rows whose queue entry may be lost: pending since before `cutoff`, or failed with a retry time before it. */
  findPossiblyUnqueued(cutoff: Date, take: number): Promise<AttemptOf[]> {
    return this.db.notificationEvent.findMany({
      where: {
        OR: [
          { status: 'pending', updatedAt: { lt: cutoff } },
          { status: 'failed', nextRetryAt: { lt: cutoff } },
        ],
      },
      select: { id: true, generation: true, retryCount: true },
      take,
    });
  }

  /**
   * Takes an open row for one delivery attempt, which holds it for `leaseMs` (or until it records
   * its outcome): null when the row is sent, dead, gone, or held by another attempt, so a
   * redelivered or re-queued job never sends a row that is being sent. A holder that died
   * (kill -9 mid-send) lets go when its time is up, and the row is sent again (at least once).
   */
  async claim(id: string, leaseMs: number): Promise<NotificationRow | null> {
    const now = new Date();
    const taken = await this.db.notificationEvent.updateMany({
      where: { id, status: { in: OPEN }, OR: [{ deliveringUntil: null }, { deliveringUntil: { lt: now } }] },
      data: { deliveringUntil: new Date(now.getTime() + leaseMs) },
    });
    return taken.count ? this.findById(id) : null;
  }

  /** Records a delivered attempt, conditional on the attempt made: a concurrent or stale attempt cannot overwrite the record. */
  async recordSent(attempt: AttemptOf, sentAt: Date): Promise<void> {
    await this.db.notificationEvent.updateMany({
      where: { ...sameAttempt(attempt), status: { in: OPEN } },
      data: { status: 'sent', sentAt, deliveredAttempt: attempt.retryCount + 1, lastError: null, nextRetryAt: null, deliveringUntil: null },
    });
  }

  /** Records a failed attempt (same condition as recordSent); false when another attempt got there first. */
  async recordFailure(attempt: AttemptOf, failure: FailureRecord): Promise<boolean> {
    const updated = await this.db.notificationEvent.updateMany({
      where: { ...sameAttempt(attempt), status: { in: OPEN } },
      data: {
        status: failure.dead ? 'dead' : 'failed',
        retryCount: failure.retryCount,
        nextRetryAt: failure.nextRetryAt,
        lastError: failure.lastError,
        deliveringUntil: null,
      },
    });
    return updated.count > 0;
  }
}

const sameAttempt = (attempt: AttemptOf) => ({ id: attempt.id, retryCount: attempt.retryCount, generation: attempt.generation });
