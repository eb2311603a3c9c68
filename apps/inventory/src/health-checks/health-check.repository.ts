import { Injectable } from '@nestjs/common';
import { AppError, type ProbeOutcome } from '@certctl/contracts';
import { type Db, DbErrorCode, Prisma, PrismaService, newId, translateDbErrors } from '@certctl/database';
import type { HealthState } from './health-state';

export type HealthCheckRow = Prisma.HealthCheckGetPayload<object>;
export type HealthResultRow = Prisma.HealthCheckResultGetPayload<object>;
export type HealthCheckData = Omit<Prisma.HealthCheckUncheckedCreateInput, 'id'>;
export interface DueCheck {
  id: string;
  host: string;
  port: number;
  sni: string | null;
  timeout_ms: number;
}

const nameTaken = (name: string | undefined) => () =>
  new AppError('conflict', `a health check named ${JSON.stringify(name)} already exists`, {
    fields: [{ field: 'name', message: 'must be unique' }],
  });

/** The `health_checks` and `health_check_results` tables. */
@Injectable()
export class HealthCheckRepository {
  constructor(private readonly db: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  insert(data: HealthCheckData): Promise<HealthCheckRow> {
    return translateDbErrors(() => this.db.healthCheck.create({ data: { id: newId('hc'), ...data } }), {
      [DbErrorCode.UniqueViolation]: nameTaken(data.name),
    });
  }

  /** The changed row; null when there is no such check. */
  update(id: string, data: Prisma.HealthCheckUncheckedUpdateInput): Promise<HealthCheckRow | null> {
    return translateDbErrors(
      async () => {
        const changed = await this.db.healthCheck.updateManyAndReturn({ where: { id }, data });
        return changed[0] ?? null;
      },
      { [DbErrorCode.UniqueViolation]: nameTaken(typeof data.name === 'string' ? data.name : undefined) },
    );
  }

  async delete(id: string): Promise<boolean> {
    const { count } = await this.db.healthCheck.deleteMany({ where: { id } });
    return count > 0;
  }

  findById(id: string): Promise<HealthCheckRow | null> {
    return this.db.healthCheck.findUnique({ where: { id } });
  }

  async certificateExists(id: string): Promise<boolean> {
    return (await this.db.certificate.count({ where: { id } })) > 0;
  }

  /** A page in id order, after `afterId`. */
  list(status: Db.HealthStatus | undefined, afterId: string | undefined, take: number): Promise<HealthCheckRow[]> {
    return this.db.healthCheck.findMany({
      where: { ...(status ? { status } : {}), ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take,
    });
  }

  /** A check's results, newest first, after the (checked_at, id) of the previous page's last row. */
  history(checkId: string, after: { at: Date; id: bigint } | undefined, take: number): Promise<HealthResultRow[]> {
    return this.db.healthCheckResult.findMany({
      where: {
        checkId,
        ...(after ? { OR: [{ checkedAt: { lt: after.at } }, { checkedAt: after.at, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ checkedAt: 'desc' }, { id: 'desc' }],
      take,
    });
  }

  async countByStatus(): Promise<{ status: Db.HealthStatus; count: number }[]> {
    const groups = await this.db.healthCheck.groupBy({ by: ['status'], _count: { _all: true } });
    return groups.map((group) => ({ status: group.status, count: group._count._all }));
  }

  /**
   * Takes up to `limit` enabled checks that are due and moves their next_check_at one interval on,
   * in one statement: the inner SELECT locks rows and skips those another scheduler replica holds,
   * so two replicas never probe the same check in one interval.
   */
  claimDue(limit: number): Promise<DueCheck[]> {
    return this.db.$queryRaw<DueCheck[]>`
      UPDATE health_checks SET next_check_at = now() + interval_seconds * interval '1 second'
      WHERE id IN (
        SELECT id FROM health_checks
        WHERE enabled AND next_check_at <= now()
        ORDER BY next_check_at, id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, host, port, sni, timeout_ms`;
  }

  /** Locks the check row and reads it; null when there is none (deleted meanwhile). */
  async lockCheck(id: string, tx: Prisma.TransactionClient): Promise<HealthCheckRow | null> {
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM health_checks WHERE id = ${id} FOR UPDATE`;
    return locked.length ? tx.healthCheck.findUnique({ where: { id } }) : null;
  }

  /** The fingerprint of the certificate's current version (null: no such certificate, or not issued yet). */
  async currentFingerprint(certificateId: string, tx: Prisma.TransactionClient): Promise<string | null> {
    const rows = await tx.$queryRaw<{ fingerprint: string }[]>`
      SELECT v.fingerprint_sha256 AS fingerprint FROM certificates c JOIN certificate_versions v ON v.id = c.current_version_id
      WHERE c.id = ${certificateId}`;
    return rows[0]?.fingerprint ?? null;
  }

  /** Stores one probe: the check's new state and what was served, and one history row. */
  async saveProbe(
    id: string,
    outcome: ProbeOutcome,
    state: HealthState,
    tx: Prisma.TransactionClient,
  ): Promise<{ check: HealthCheckRow; result: HealthResultRow }> {
    const checkedAt = new Date(outcome.checked_at);
    const check = await tx.healthCheck.update({
      where: { id },
      data: {
        status: state.status,
        consecutiveFailures: state.consecutiveFailures,
        lastCheckedAt: checkedAt,
        lastError: outcome.error,
        ...(outcome.ok
          ? {
              servedFingerprint: outcome.served_fingerprint,
              servedNotAfter: outcome.served_not_after ? new Date(outcome.served_not_after) : null,
            }
          : {}),
      },
    });
    const result = await tx.healthCheckResult.create({
      data: {
        checkId: id,
        checkedAt,
        ok: outcome.ok,
        latencyMs: outcome.latency_ms,
        servedFingerprint: outcome.served_fingerprint,
        error: outcome.error,
        statusAfter: state.status,
      },
    });
    return { check, result };
  }

  /** Deletes up to `batchSize` results checked before `before` (one short statement per batch). */
  pruneResults(before: Date, batchSize: number): Promise<number> {
    return this.db.$executeRaw`
      DELETE FROM health_check_results WHERE id IN (
        SELECT id FROM health_check_results WHERE checked_at < ${before} LIMIT ${batchSize}
      )`;
  }
}
