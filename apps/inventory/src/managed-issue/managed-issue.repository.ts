import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type JobRow = Prisma.JobGetPayload<object>;

/** What a certificate profile demands of a request recorded through it. */
export interface ProfileRules {
  requiresApproval: boolean;
  sanRules: unknown;
  allowedKeyAlgorithms: unknown;
}

/** Either write of a request meeting a unique index: the request was recorded by a concurrent call. */
const RECORDED = (requestKey: string) => ({
  [DbErrorCode.UniqueViolation]: () => new AppError('conflict', `request ${requestKey} is already recorded`),
});

/** The inventory rows a protocol request (ACME order, EST or SCEP enrollment) writes: its certificate (new or renewed) and its job. */
@Injectable()
export class ManagedIssueRepository {
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

  findProfileRules(id: string): Promise<ProfileRules | null> {
    return this.db.certificateProfile.findUnique({
      where: { id },
      select: { requiresApproval: true, sanRules: true, allowedKeyAlgorithms: true },
    });
  }

  async markRenewing(certificateId: string, tags: Record<string, string>, tx: Prisma.TransactionClient): Promise<void> {
    await tx.certificate.update({ where: { id: certificateId }, data: { status: 'renewal_in_progress', tags } });
  }

  /** A new certificate of the request; a unique index refusing it is a `conflict` (the request is already recorded). */
  async insertCertificate(data: Prisma.CertificateUncheckedCreateInput, requestKey: string, tx: Prisma.TransactionClient): Promise<void> {
    await translateDbErrors(() => tx.certificate.create({ data }), RECORDED(requestKey));
  }

  /** The request's job; its idempotency key taken is a `conflict` (the request is already recorded). */
  async insertJob(data: Prisma.JobUncheckedCreateInput, requestKey: string, tx: Prisma.TransactionClient): Promise<void> {
    await translateDbErrors(() => tx.job.create({ data }), RECORDED(requestKey));
  }
}
