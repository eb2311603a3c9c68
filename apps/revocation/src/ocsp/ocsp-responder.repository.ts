import { Injectable } from '@nestjs/common';
import { type Prisma, PrismaService } from '@certctl/database';
import { inAdvisoryLock } from '../database/advisory-lock';

export type OcspResponderRow = Prisma.OcspResponderGetPayload<object>;
export type OcspResponderData = Pick<OcspResponderRow, 'certificatePem' | 'encryptedKey' | 'keyVersion' | 'notAfter'>;

/** Installing a responder waits for issuance to sign its certificate within this time. */
const INSTALL_TIMEOUT_MS = 60_000;

/** The `ocsp_responders` table: each issuer's delegated responder certificate and encrypted key. */
@Injectable()
export class OcspResponderRepository {
  constructor(private readonly db: PrismaService) {}

  findByIssuer(issuerId: string, tx: Prisma.TransactionClient = this.db): Promise<OcspResponderRow | null> {
    return tx.ocspResponder.findUnique({ where: { issuerId } });
  }

  /** Runs `install` in a transaction, one replica at a time per issuer. */
  withIssuerLock<T>(issuerId: string, install: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return inAdvisoryLock(this.db, `certctl-ocsp-responder:${issuerId}`, INSTALL_TIMEOUT_MS, install);
  }

  /** Stores the issuer's responder, replacing the previous one. */
  save(issuerId: string, data: OcspResponderData, tx: Prisma.TransactionClient): Promise<OcspResponderRow> {
    return tx.ocspResponder.upsert({ where: { issuerId }, create: { issuerId, ...data }, update: data });
  }

  /** The notAfter of every issuer's responder certificate. */
  listExpiries(): Promise<{ issuerId: string; notAfter: Date }[]> {
    return this.db.ocspResponder.findMany({ select: { issuerId: true, notAfter: true } });
  }
}
