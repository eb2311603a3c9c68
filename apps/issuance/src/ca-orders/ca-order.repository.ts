import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, type Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type CaOrderRow = Prisma.CaOrderGetPayload<object>;
export type NewCaOrder = Omit<Prisma.CaOrderUncheckedCreateInput, 'polls' | 'createdAt' | 'updatedAt' | 'lastDetail'>;

/** The ca_orders table: orders an asynchronous CA accepted and has not finished, keyed by job. */
@Injectable()
export class CaOrderRepository {
  constructor(private readonly db: PrismaService) {}

  findByJob(jobId: string): Promise<CaOrderRow | null> {
    return this.db.caOrder.findUnique({ where: { jobId } });
  }

  /** Records an order once: a second delivery of the same job keeps the first order (the CA knows that one). */
  async insertOnce(order: NewCaOrder): Promise<CaOrderRow> {
    await translateDbErrors(() => this.db.caOrder.createMany({ data: [order], skipDuplicates: true }), {
      [DbErrorCode.ForeignKeyViolation]: () => AppError.notFound('issuer', order.issuerId),
    });
    return this.db.caOrder.findUniqueOrThrow({ where: { jobId: order.jobId } });
  }

  /**
   * Takes up to `limit` orders whose poll is due and leases them for `leaseMs` (their next
   * poll moves that far ahead), so two replicas never poll one order at once and an order
   * whose poller died is taken again after the lease.
   */
  async claimDue(limit: number, leaseMs: number): Promise<CaOrderRow[]> {
    const rows = await this.db.$queryRaw<{ job_id: string }[]>`
        UPDATE ca_orders SET next_poll_at = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
        WHERE job_id IN (
          SELECT job_id FROM ca_orders WHERE next_poll_at <= now() ORDER BY next_poll_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
        )
        RETURNING job_id`;
    if (!rows.length) return [];
    return this.db.caOrder.findMany({ where: { jobId: { in: rows.map((r) => r.job_id) } } });
  }

  /** Still pending after a poll: counted, and asked again at `nextPollAt`. */
  async reschedule(jobId: string, nextPollAt: Date, detail: string | null): Promise<void> {
    await this.db.caOrder.updateMany({ where: { jobId }, data: { polls: { increment: 1 }, nextPollAt, lastDetail: detail } });
  }

  /** The order is over (issued, failed, or its job was cancelled). */
  async remove(jobId: string): Promise<void> {
    await this.db.caOrder.deleteMany({ where: { jobId } });
  }
}
