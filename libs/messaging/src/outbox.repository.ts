import type { PrismaClient } from '@certctl/database';
import type { BatchOutcome, OutboxRow, OutboxStore } from './outbox';

/**
 * The outbox table (outbox_events) on PostgreSQL. A claim holds its rows' locks while they are
 * published, so replicas of a service never publish the same row at the same time; a crash
 * before the commit rolls the deletes back and the rows stay pending (published again, with the
 * same Nats-Msg-Id, by the next claim).
 */
export class PrismaOutboxStore implements OutboxStore {
  constructor(
    private readonly db: PrismaClient,
    /** Longest a claim may hold its rows (its publishes are bounded by the NATS timeout). */
    private readonly claimTimeoutMs = 60000,
  ) {}

  claim(service: string, limit: number, publish: (rows: OutboxRow[]) => Promise<BatchOutcome>): Promise<number> {
    return this.db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxRow[]>`
          SELECT id, subject, payload, headers FROM outbox_events
          WHERE service = ${service} ORDER BY seq LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
        if (!rows.length) return 0;
        const outcome = await publish(rows);
        if (outcome.published.length) await tx.$executeRaw`DELETE FROM outbox_events WHERE id = ANY(${outcome.published}::text[])`;
        for (const f of outcome.failed) {
          await tx.$executeRaw`UPDATE outbox_events SET attempts = attempts + 1, last_error = ${f.error} WHERE id = ${f.id}`;
        }
        return rows.length;
      },
      { timeout: this.claimTimeoutMs, maxWait: 10000 },
    );
  }

  async pending(service: string): Promise<number> {
    const [row] = await this.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox_events WHERE service = ${service}`;
    return row?.n ?? 0;
  }
}
