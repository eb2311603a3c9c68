import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@certctl/database';
import type { CampaignRow } from './reissuance.repository';
import type { ItemStatus } from './reissuance-state';

export interface PendingItem {
  id: string;
  certificate_id: string;
  attempt: number;
}
export interface CurrentVersion {
  certificate_id: string;
  version_id: string;
  serial_number: string;
  issuer_id: string;
}
export interface StartedItem {
  itemId: string;
  jobId: string;
  oldVersionId: string | null;
  oldSerial: string | null;
  oldIssuerId: string | null;
}
export interface RenewingItem {
  id: string;
  job_status: string;
  last_error: string | null;
  version_id: string | null;
}
export interface DeployingItem {
  id: string;
  certificate_id: string;
  issuer_id: string;
  not_after: Date;
  open: number;
  failed: number;
  error: string | null;
}
export interface RevokingItem {
  id: string;
  certificate_id: string;
  old_serial: string | null;
  old_issuer_id: string | null;
}

const OPEN_JOB = ['pending', 'awaiting_approval', 'awaiting_csr', 'running'];

/** What the re-issuance driver reads and moves: items by stage, with the jobs and versions they wait for. */
@Injectable()
export class ReissuanceDriverRepository {
  constructor(private readonly db: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn, { timeout: 60000 });
  }

  running(): Promise<CampaignRow[]> {
    return this.db.reissuanceCampaign.findMany({ where: { status: 'running' }, orderBy: { createdAt: 'asc' } });
  }

  async isRunning(id: string): Promise<boolean> {
    return (await this.db.reissuanceCampaign.count({ where: { id, status: 'running' } })) === 1;
  }

  startedSince(campaignId: string, since: Date): Promise<number> {
    return this.db.reissuanceItem.count({ where: { campaignId, startedAt: { gte: since } } });
  }

  /** The next pending items, locked (another driver skips them). */
  lockPending(campaignId: string, take: number, tx: Prisma.TransactionClient): Promise<PendingItem[]> {
    return tx.$queryRaw<PendingItem[]>`
      SELECT id, certificate_id, attempt FROM reissuance_items
      WHERE campaign_id = ${campaignId} AND status = 'pending'
      ORDER BY id LIMIT ${take} FOR UPDATE SKIP LOCKED`;
  }

  currentVersions(certificateIds: string[], tx: Prisma.TransactionClient): Promise<CurrentVersion[]> {
    return tx.$queryRaw<CurrentVersion[]>`
      SELECT c.id AS certificate_id, v.id AS version_id, v.serial_number, v.issuer_id
      FROM certificates c JOIN certificate_versions v ON v.id = c.current_version_id
      WHERE c.id = ANY(${certificateIds}::text[])`;
  }

  /** The certificates move to the campaign's new issuer (their renewal jobs sign with it). */
  async moveToIssuer(certificateIds: string[], issuerId: string, tx: Prisma.TransactionClient): Promise<void> {
    await tx.certificate.updateMany({ where: { id: { in: certificateIds } }, data: { issuerId } });
  }

  async markStarted(rows: StartedItem[], tx: Prisma.TransactionClient): Promise<void> {
    if (!rows.length) return;
    await tx.$executeRaw`
      UPDATE reissuance_items i SET status = 'renewing', job_id = t.job_id, old_version_id = t.old_version_id,
             old_serial = t.old_serial, old_issuer_id = t.old_issuer_id, started_at = now(), updated_at = now()
      FROM unnest(${rows.map((r) => r.itemId)}::text[], ${rows.map((r) => r.jobId)}::text[], ${rows.map((r) => r.oldVersionId)}::text[],
                  ${rows.map((r) => r.oldSerial)}::text[], ${rows.map((r) => r.oldIssuerId)}::text[])
           AS t(id, job_id, old_version_id, old_serial, old_issuer_id)
      WHERE i.id = t.id AND i.status = 'pending'`;
  }

  /** Moves items that are still in `from` (a repeat changes nothing). */
  async move(
    ids: string[],
    from: ItemStatus,
    to: ItemStatus,
    extra: { lastError?: string; newVersionId?: string } = {},
    tx: Prisma.TransactionClient | PrismaService = this.db,
  ): Promise<number> {
    if (!ids.length) return 0;
    const finished = to === 'done' || to === 'failed' || to === 'cancelled' ? new Date() : undefined;
    const r = await tx.reissuanceItem.updateMany({
      where: { id: { in: ids }, status: from },
      data: { status: to, finishedAt: finished, ...extra },
    });
    return r.count;
  }

  /** Items whose renewal completed: the version it stored, and where each goes next. */
  async markIssued(rows: { id: string; versionId: string }[], to: ItemStatus): Promise<void> {
    if (!rows.length) return;
    await this.db.$executeRaw`
      UPDATE reissuance_items i SET status = ${to}, new_version_id = t.version_id, updated_at = now()
      FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.versionId)}::text[]) AS t(id, version_id)
      WHERE i.id = t.id AND i.status = 'renewing'`;
  }

  /** Items whose renewal job was created, with that job's status and the version it stored. */
  renewing(campaignId: string, take: number): Promise<RenewingItem[]> {
    return this.db.$queryRaw<RenewingItem[]>`
      SELECT i.id, j.status::text AS job_status, j.last_error, v.id AS version_id
      FROM reissuance_items i JOIN jobs j ON j.id = i.job_id LEFT JOIN certificate_versions v ON v.job_id = j.id
      WHERE i.campaign_id = ${campaignId} AND i.status = 'renewing' AND j.status::text <> ALL(${OPEN_JOB}::text[])
      ORDER BY i.id LIMIT ${take}`;
  }

  /** Items whose replacement is issued, with its issuer and the state of its deployment jobs. */
  deploying(campaignId: string, take: number): Promise<DeployingItem[]> {
    return this.db.$queryRaw<DeployingItem[]>`
      SELECT i.id, i.certificate_id, v.issuer_id, v.not_after,
             count(j.id) FILTER (WHERE j.status::text = ANY(${OPEN_JOB}::text[]))::int AS open,
             count(j.id) FILTER (WHERE j.status::text IN ('failed', 'cancelled'))::int AS failed,
             max(j.last_error) FILTER (WHERE j.status::text IN ('failed', 'cancelled')) AS error
      FROM reissuance_items i JOIN certificate_versions v ON v.id = i.new_version_id
      LEFT JOIN jobs j ON j.certificate_id = i.certificate_id AND j.type = 'deployment' AND j.result->>'version_id' = i.new_version_id
      WHERE i.campaign_id = ${campaignId} AND i.status = 'deploying'
      GROUP BY i.id, v.issuer_id, v.not_after
      ORDER BY i.id LIMIT ${take}`;
  }

  revoking(campaignId: string, take: number): Promise<RevokingItem[]> {
    return this.db.reissuanceItem
      .findMany({
        where: { campaignId, status: 'revoking' },
        select: { id: true, certificateId: true, oldSerial: true, oldIssuerId: true },
        orderBy: { id: 'asc' },
        take,
      })
      .then((rows) =>
        rows.map((r) => ({ id: r.id, certificate_id: r.certificateId, old_serial: r.oldSerial, old_issuer_id: r.oldIssuerId })),
      );
  }

  /** running → completed (the transition table allows it); false when it was paused or cancelled meanwhile. */
  async completeIfRunning(id: string): Promise<boolean> {
    const r = await this.db.reissuanceCampaign.updateMany({
      where: { id, status: 'running' },
      data: { status: 'completed', completedAt: new Date() },
    });
    return r.count === 1;
  }

  async openItems(campaignId: string, open: readonly ItemStatus[]): Promise<number> {
    return this.db.reissuanceItem.count({ where: { campaignId, status: { in: [...open] } } });
  }
}
