import { Injectable } from '@nestjs/common';
import { type Prisma, PrismaService } from '@certctl/database';
import { inAdvisoryLock } from '../database/advisory-lock';

export type CrlRow = Prisma.CrlGetPayload<object>;
export type NewCrl = Omit<CrlRow, 'createdAt'>;
/** The newest thisUpdate / nextUpdate among an issuer's stored CRLs. */
export interface CrlTimes {
  issuerId: string;
  thisUpdate: Date | null;
  nextUpdate: Date | null;
}

/** A CRL build holds the issuer's lock this long at most (signing happens in issuance meanwhile). */
const BUILD_TIMEOUT_MS = 90_000;

/** The `crls` table: the signed CRLs of each issuer, the highest number current. */
@Injectable()
export class CrlRepository {
  constructor(private readonly db: PrismaService) {}

  /** Runs one CRL build of `issuerId` in a transaction, serialized with the builds of other replicas. */
  withIssuerLock<T>(issuerId: string, build: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return inAdvisoryLock(this.db, `certctl-crl:${issuerId}`, BUILD_TIMEOUT_MS, build);
  }

  /** The number of the issuer's current CRL, or null before its first. */
  async latestNumber(issuerId: string, tx: Prisma.TransactionClient = this.db): Promise<bigint | null> {
    const latest = await tx.crl.findFirst({ where: { issuerId }, orderBy: { number: 'desc' }, select: { number: true } });
    return latest?.number ?? null;
  }

  findByNumber(issuerId: string, number: bigint): Promise<CrlRow | null> {
    return this.db.crl.findUnique({ where: { issuerId_number: { issuerId, number } } });
  }

  insert(data: NewCrl, tx: Prisma.TransactionClient): Promise<CrlRow> {
    return tx.crl.create({ data });
  }

  /** Deletes the issuer's CRLs numbered `number` and below. */
  async deleteUpTo(issuerId: string, number: bigint, tx: Prisma.TransactionClient): Promise<void> {
    await tx.crl.deleteMany({ where: { issuerId, number: { lte: number } } });
  }

  /** One row per issuer that has a CRL. */
  async latestTimesPerIssuer(): Promise<CrlTimes[]> {
    const rows = await this.db.crl.groupBy({ by: ['issuerId'], _max: { thisUpdate: true, nextUpdate: true } });
    return rows.map((row) => ({ issuerId: row.issuerId, thisUpdate: row._max.thisUpdate, nextUpdate: row._max.nextUpdate }));
  }
}
