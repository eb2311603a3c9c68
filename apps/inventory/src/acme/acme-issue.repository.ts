import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type JobRow = Prisma.JobGetPayload<object>;

/** What identifies the ACME account's earlier certificate for exactly these names. */
export interface RenewableLookup {
  accountId: string;
  profileId: string;
  names: string[];
  /** Certificate statuses from which renewal_in_progress may be reached. */
  renewableFrom: string[];
  /** Job statuses that count as an open issuance or renewal. */
  openJobStatuses: readonly string[];
}

/** Either write of an order meeting a unique index: the order was recorded by a concurrent finalize. */
const ORDER_RECORDED = (orderKey: string) => ({
  [DbErrorCode.UniqueViolation]: () => new AppError('conflict', `ACME order ${orderKey} is already recorded`),
});

/** The inventory rows an ACME order writes: its certificate (new or renewed) and its job. */
@Injectable()
export class AcmeIssueRepository {
  constructor(private readonly db: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  findJobByIdempotencyKey(idempotencyKey: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { idempotencyKey } });
  }

  findPolicyRetries(id: string): Promise<{ maxRetries: number } | null> {
    return this.db.renewalPolicy.findUnique({ where: { id }, select: { maxRetries: true } });
  }

  findProfileRules(id: string): Promise<{ requiresApproval: boolean; sanRules: unknown } | null> {
    return this.db.certificateProfile.findUnique({ where: { id }, select: { requiresApproval: true, sanRules: true } });
  }

  /**
   * Locks the account's newest certificate for exactly these names that can be renewed and has
   * no open issuance or renewal (skipping one a concurrent order holds); its id, or undefined.
   */
  async lockRenewable(lookup: RenewableLookup, tx: Prisma.TransactionClient): Promise<string | undefined> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT c.id FROM certificates c
      WHERE c.source = 'acme' AND c.tags->>'acme_account_id' = ${lookup.accountId}
        AND c.profile_id = ${lookup.profileId}
        AND c.sans = ${lookup.names}::text[]
        AND c.status::text = ANY(${lookup.renewableFrom}::text[])
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = c.id AND j.type IN ('issuance', 'renewal')
                        AND j.status::text = ANY(${[...lookup.openJobStatuses]}::text[]))
      ORDER BY c.created_at DESC LIMIT 1
      FOR UPDATE SKIP LOCKED`;
    return rows[0]?.id;
  }

  async markRenewing(certificateId: string, tags: Record<string, string>, tx: Prisma.TransactionClient): Promise<void> {
    await tx.certificate.update({ where: { id: certificateId }, data: { status: 'renewal_in_progress', tags } });
  }

  /** A new certificate of the order; a unique index refusing it is a `conflict` (the order is already recorded). */
  async insertCertificate(data: Prisma.CertificateUncheckedCreateInput, orderKey: string, tx: Prisma.TransactionClient): Promise<void> {
    await translateDbErrors(() => tx.certificate.create({ data }), ORDER_RECORDED(orderKey));
  }

  /** The order's job; its idempotency key taken is a `conflict` (the order is already recorded). */
  async insertJob(data: Prisma.JobUncheckedCreateInput, orderKey: string, tx: Prisma.TransactionClient): Promise<void> {
    await translateDbErrors(() => tx.job.create({ data }), ORDER_RECORDED(orderKey));
  }
}
