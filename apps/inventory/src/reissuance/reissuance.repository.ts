import { Injectable } from '@nestjs/common';
import type { CreateCampaignBody } from '@certctl/contracts';
import { Prisma, PrismaService, newId } from '@certctl/database';
import type { CampaignStatus, ItemStatus } from './reissuance-state';

export type CampaignRow = Prisma.ReissuanceCampaignGetPayload<object>;
export type ItemRow = Prisma.ReissuanceItemGetPayload<object>;
export type Selector = Pick<CreateCampaignBody, 'key_algorithm' | 'key_size' | 'profile_id' | 'ids'> & {
  /** The selected issuer and every issuer under it (issuance answers the tree). */
  issuer_ids?: string[];
};

/** A certificate a campaign selects, with its current version and how many agent targets it is deployed to. */
export interface SelectedCertificate {
  id: string;
  name: string;
  issuer_id: string;
  serial_number: string | null;
  targets: number;
}

export interface CampaignCounts {
  counts: Partial<Record<ItemStatus, number>>;
  finishedInWindow: number;
}

/** The largest campaign: a selection above it must be narrowed. */
export const MAX_CAMPAIGN_SIZE = 100000;

/** The `reissuance_campaigns` and `reissuance_items` tables: campaigns, their selection and their progress. */
@Injectable()
export class ReissuanceRepository {
  constructor(private readonly db: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn, { timeout: 60000 });
  }

  async profileExists(id: string): Promise<boolean> {
    return (await this.db.certificateProfile.count({ where: { id } })) > 0;
  }

  /**
   * The live certificates (not revoked or archived, with an issued version) the selector
   * matches, at most `take`: by issuer (any of `issuer_ids`, the certificate's or its current
   * version's), by the current version's key algorithm and size, by profile, by ids.
   */
  async select(selector: Selector, take: number): Promise<SelectedCertificate[]> {
    const where: Prisma.Sql[] = [Prisma.sql`c.status::text NOT IN ('revoked', 'archived')`];
    if (selector.issuer_ids)
      where.push(Prisma.sql`(c.issuer_id = ANY(${selector.issuer_ids}::text[]) OR v.issuer_id = ANY(${selector.issuer_ids}::text[]))`);
    if (selector.key_algorithm) where.push(Prisma.sql`upper(v.key_algorithm) LIKE upper(${selector.key_algorithm}) || '%'`);
    if (selector.key_size) where.push(Prisma.sql`v.key_size = ${selector.key_size}`);
    if (selector.profile_id) where.push(Prisma.sql`c.profile_id = ${selector.profile_id}`);
    if (selector.ids) where.push(Prisma.sql`c.id = ANY(${selector.ids}::text[])`);
    return this.db.$queryRaw<SelectedCertificate[]>`
      SELECT c.id, c.name, c.issuer_id, v.serial_number,
             (SELECT count(*)::int FROM certificate_targets ct JOIN targets t ON t.id = ct.target_id
              WHERE ct.certificate_id = c.id AND t.enabled AND t.agent_id IS NOT NULL) AS targets
      FROM certificates c JOIN certificate_versions v ON v.id = c.current_version_id
      WHERE ${Prisma.join(where, ' AND ')}
      ORDER BY c.id
      LIMIT ${take}`;
  }

  /** The campaign and one pending item per certificate, in one transaction. */
  async insertCampaign(data: Omit<Prisma.ReissuanceCampaignUncheckedCreateInput, 'id' | 'total'>, certificateIds: string[]) {
    const id = newId('rc');
    await this.db.$transaction(
      async (tx) => {
        await tx.reissuanceCampaign.create({ data: { ...data, id, total: certificateIds.length } });
        for (let i = 0; i < certificateIds.length; i += 5000) {
          const slice = certificateIds.slice(i, i + 5000);
          await tx.$executeRaw`
            INSERT INTO reissuance_items (id, campaign_id, certificate_id, updated_at)
            SELECT ${id} || '-' || lpad((${i} + n)::text, 6, '0'), ${id}, cid, now()
            FROM unnest(${slice}::text[]) WITH ORDINALITY AS t(cid, n)`;
        }
      },
      { timeout: 120000 },
    );
    return id;
  }

  find(id: string): Promise<CampaignRow | null> {
    return this.db.reissuanceCampaign.findUnique({ where: { id } });
  }

  list(limit: number, status?: CampaignStatus): Promise<CampaignRow[]> {
    return this.db.reissuanceCampaign.findMany({
      where: status ? { status } : {},
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }

  /** Item counts by status, and how many finished within the last `windowMs`. */
  async counts(campaignId: string, windowMs: number): Promise<CampaignCounts> {
    const since = new Date(Date.now() - windowMs);
    const [groups, finished] = await Promise.all([
      this.db.reissuanceItem.groupBy({ by: ['status'], where: { campaignId }, _count: { _all: true } }),
      this.db.reissuanceItem.count({ where: { campaignId, status: { in: ['done', 'failed'] }, finishedAt: { gte: since } } }),
    ]);
    return {
      counts: Object.fromEntries(groups.map((g) => [g.status, g._count._all])) as Partial<Record<ItemStatus, number>>,
      finishedInWindow: finished,
    };
  }

  /** Moves the campaign from one of `from` to `to`; false when it was not in one of them (a concurrent change). */
  async setStatus(id: string, from: CampaignStatus[], to: CampaignStatus): Promise<boolean> {
    const done = to === 'completed' || to === 'cancelled' ? new Date() : undefined;
    const r = await this.db.reissuanceCampaign.updateMany({ where: { id, status: { in: from } }, data: { status: to, completedAt: done } });
    return r.count === 1;
  }

  /** Every item still open is cancelled (their renewal jobs, if created, finish as ordinary renewals). */
  async cancelOpenItems(campaignId: string, open: readonly ItemStatus[]): Promise<number> {
    const r = await this.db.reissuanceItem.updateMany({
      where: { campaignId, status: { in: [...open] } },
      data: { status: 'cancelled', finishedAt: new Date() },
    });
    return r.count;
  }

  items(campaignId: string, limit: number, status?: ItemStatus, cursor?: string): Promise<ItemRow[]> {
    return this.db.reissuanceItem.findMany({
      where: { campaignId, ...(status ? { status } : {}), ...(cursor ? { id: { gt: cursor } } : {}) },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }

  findItem(campaignId: string, itemId: string): Promise<ItemRow | null> {
    return this.db.reissuanceItem.findFirst({ where: { id: itemId, campaignId } });
  }

  /** A failed item back to `to` (a new attempt when it restarts from pending); false when it was not failed any more. */
  async retryItem(itemId: string, to: 'pending' | 'deploying' | 'revoking'): Promise<boolean> {
    const restart = to === 'pending';
    const r = await this.db.reissuanceItem.updateMany({
      where: { id: itemId, status: 'failed' },
      data: {
        status: to,
        lastError: null,
        finishedAt: null,
        ...(restart ? { attempt: { increment: 1 }, jobId: null, newVersionId: null, startedAt: null } : {}),
      },
    });
    return r.count === 1;
  }

  /** A finished campaign that got a retried item runs again. */
  async reopen(id: string): Promise<void> {
    await this.db.reissuanceCampaign.updateMany({ where: { id, status: 'completed' }, data: { status: 'running', completedAt: null } });
  }
}
