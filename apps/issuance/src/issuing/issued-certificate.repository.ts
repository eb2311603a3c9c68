import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { type Prisma, PrismaService, isUniqueViolation } from '@certctl/database';

export type IssuedCertificateRow = Prisma.IssuedCertificateGetPayload<object>;
export type NewIssuedCertificate = Prisma.IssuedCertificateUncheckedCreateInput;

/** The issued_certificates table: what was signed, keyed by the job that asked for it. */
@Injectable()
export class IssuedCertificateRepository {
  constructor(private readonly db: PrismaService) {}

  findByJob(jobId: string): Promise<IssuedCertificateRow | null> {
    return this.db.issuedCertificate.findUnique({ where: { jobId } });
  }

  findBySerial(issuerId: string, serialNumber: string): Promise<IssuedCertificateRow | null> {
    return this.db.issuedCertificate.findUnique({ where: { issuerId_serialNumber: { issuerId, serialNumber } } });
  }

  /**
   * Records what was signed for a job. When another delivery of the same job recorded its
   * certificate first, that row is the answer (`inserted` false): a job has one certificate.
   */
  async insertOnce(row: NewIssuedCertificate): Promise<{ row: IssuedCertificateRow; inserted: boolean }> {
    try {
      return { row: await this.db.issuedCertificate.create({ data: row }), inserted: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const existing = await this.findByJob(row.jobId);
      if (!existing) throw err;
      return { row: existing, inserted: false };
    }
  }

  /**
   * The row of an imported certificate's key (job id import-<fingerprint>): a repeated import
   * replaces it. Another row with the same issuer and serial is a conflict.
   */
  async upsertImported(row: NewIssuedCertificate): Promise<void> {
    const { jobId, ...fields } = row;
    try {
      await this.db.issuedCertificate.upsert({ where: { jobId }, create: row, update: fields });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw new AppError('conflict', `issuer ${row.issuerId} already has a certificate with serial ${row.serialNumber}`);
    }
  }
}
