import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type ScanTargetRow = Prisma.NetworkScanTargetGetPayload<object>;
export type ScanTargetColumns = Omit<Prisma.NetworkScanTargetUncheckedUpdateInput, 'id'>;

const errors = (id: string) => ({
  [DbErrorCode.UniqueViolation]: () =>
    new AppError('conflict', 'a network scan target with this name already exists', {
      fields: [{ field: 'name', message: 'must be unique' }],
    }),
  [DbErrorCode.RecordNotFound]: () => AppError.notFound('network scan target', id),
});

/** Network scan targets: their rows, and the due ones the scheduler takes. */
@Injectable()
export class ScanTargetRepository {
  constructor(private readonly db: PrismaService) {}

  insert(data: Prisma.NetworkScanTargetUncheckedCreateInput & { id: string }): Promise<ScanTargetRow> {
    return translateDbErrors(() => this.db.networkScanTarget.create({ data }), errors(data.id));
  }

  update(id: string, data: ScanTargetColumns): Promise<ScanTargetRow> {
    return translateDbErrors(() => this.db.networkScanTarget.update({ where: { id }, data }), errors(id));
  }

  async delete(id: string): Promise<void> {
    await translateDbErrors(() => this.db.networkScanTarget.delete({ where: { id } }), errors(id));
  }

  findById(id: string): Promise<ScanTargetRow | null> {
    return this.db.networkScanTarget.findUnique({ where: { id } });
  }

  list(afterId: string | undefined, take: number): Promise<ScanTargetRow[]> {
    return this.db.networkScanTarget.findMany({ where: afterId ? { id: { gt: afterId } } : {}, orderBy: { id: 'asc' }, take });
  }

  /**
   * Takes up to `limit` enabled targets that are due, moving each to its next run time in the
   * same statement (rows another claimer holds are skipped): a target is run by one claimer.
   */
  async claimDue(limit: number): Promise<ScanTargetRow[]> {
    const claimed = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE network_scan_targets
      SET last_run_at = now(), next_run_at = now() + interval_seconds * interval '1 second', updated_at = now()
      WHERE id IN (
        SELECT id FROM network_scan_targets WHERE enabled AND next_run_at <= now()
        ORDER BY next_run_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED
      )
      RETURNING id`;
    if (!claimed.length) return [];
    return this.db.networkScanTarget.findMany({ where: { id: { in: claimed.map((row) => row.id) } }, orderBy: { id: 'asc' } });
  }
}
