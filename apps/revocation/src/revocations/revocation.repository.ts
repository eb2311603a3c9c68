import { Injectable } from '@nestjs/common';
import { type Prisma, PrismaService, isUniqueViolation } from '@certctl/database';

export type RevocationRow = Prisma.RevocationGetPayload<object>;
export type NewRevocation = Omit<RevocationRow, 'createdAt'>;
/** What OCSP needs to answer "revoked" for one serial. */
export type RevocationStatusRow = Pick<RevocationRow, 'revokedAt' | 'reason'>;
/** One CRL entry's columns. */
export type CrlEntryRow = Pick<RevocationRow, 'serialNumber' | 'revokedAt' | 'reason'>;

/** Work done in the same transaction as a revocation write (its outbox event). */
export type InTransaction = (tx: Prisma.TransactionClient, row: RevocationRow) => Promise<unknown>;

const bySerial = (issuerId: string, serialNumber: string) => ({ issuerId_serialNumber: { issuerId, serialNumber } });

/** The `revocations` table: one row per revoked (issuer, serial), unique. */
@Injectable()
export class RevocationRepository {
  constructor(private readonly db: PrismaService) {}

  findBySerial(issuerId: string, serialNumber: string): Promise<RevocationRow | null> {
    return this.db.revocation.findUnique({ where: bySerial(issuerId, serialNumber) });
  }

  /** The OCSP hot path: one indexed read of the two columns a "revoked" answer carries. */
  findStatusBySerial(issuerId: string, serialNumber: string): Promise<RevocationStatusRow | null> {
    return this.db.revocation.findUnique({ where: bySerial(issuerId, serialNumber), select: { revokedAt: true, reason: true } });
  }

  /**
   * Writes the revocation unless the (issuer, serial) is already revoked; a concurrent writer
   * that won the unique key is answered with its row (`created: false`). `alongside` runs in the
   * insert's transaction (the revocation's event goes into the outbox with it).
   */
  async insertOnce(data: NewRevocation, alongside?: InTransaction): Promise<{ row: RevocationRow; created: boolean }> {
    try {
      const row = await this.db.$transaction(async (tx) => {
        const created = await tx.revocation.create({ data });
        await alongside?.(tx, created);
        return created;
      });
      return { row, created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return { row: await this.db.revocation.findUniqueOrThrow({ where: bySerial(data.issuerId, data.serialNumber) }), created: false };
    }
  }

  /** Deletes the revocation (a lifted hold), `alongside` in the same transaction. */
  async deleteById(id: string, alongside?: InTransaction): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const row = await tx.revocation.delete({ where: { id } });
      await alongside?.(tx, row);
    });
  }

  /** The entries of an issuer's CRL at `at`: revoked, not yet expired, not short-lived; oldest first. */
  listCrlEntries(issuerId: string, at: Date, tx: Prisma.TransactionClient): Promise<CrlEntryRow[]> {
    return tx.revocation.findMany({
      where: { issuerId, notAfter: { gt: at }, shortLived: false },
      select: { serialNumber: true, revokedAt: true, reason: true },
      orderBy: { revokedAt: 'asc' },
    });
  }
}
