import { Injectable } from '@nestjs/common';
import { PrismaService, type ScepChallengeRow, type ScepRaCertificateRow, type ScepTransactionRow } from '@certctl/database';

export type ScepRaRow = Omit<ScepRaCertificateRow, 'createdAt' | 'updatedAt'>;
export type NewScepChallenge = Pick<ScepChallengeRow, 'id' | 'enrollmentProfileId' | 'challengeHash' | 'note' | 'expiresAt' | 'createdBy'>;
export type ScepTransactionKey = Pick<ScepTransactionRow, 'enrollmentProfileId' | 'transactionId' | 'signerFingerprint'>;

/** The gateway's SCEP tables: RA certificates (key sealed), one-time challenges (hashed) and transactions. */
@Injectable()
export class ScepRepository {
  constructor(private readonly db: PrismaService) {}

  raCertificate(enrollmentProfileId: string): Promise<ScepRaCertificateRow | null> {
    return this.db.scepRaCertificate.findUnique({ where: { enrollmentProfileId } });
  }

  /** Stores the profile's (new) RA certificate, replacing the one it rotates out. */
  async saveRaCertificate(row: ScepRaRow): Promise<void> {
    const { enrollmentProfileId, ...data } = row;
    await this.db.scepRaCertificate.upsert({ where: { enrollmentProfileId }, create: row, update: data });
  }

  insertChallenge(challenge: NewScepChallenge): Promise<ScepChallengeRow> {
    return this.db.scepChallenge.create({ data: challenge });
  }

  /**
   * Spends a live challenge of the profile in one conditional UPDATE: of two enrollments
   * racing with the same challenge exactly one gets it. False when unknown, used or expired.
   */
  async consumeChallenge(enrollmentProfileId: string, challengeHash: string): Promise<boolean> {
    const count = await this.db.$executeRaw`
      UPDATE scep_challenges SET used_at = now()
      WHERE challenge_hash = ${challengeHash} AND enrollment_profile_id = ${enrollmentProfileId}
        AND used_at IS NULL AND expires_at > now()`;
    return count === 1;
  }

  transaction(key: ScepTransactionKey): Promise<ScepTransactionRow | null> {
    return this.db.scepTransaction.findUnique({ where: { enrollmentProfileId_transactionId_signerFingerprint: key } });
  }

  async saveTransaction(row: Omit<ScepTransactionRow, 'createdAt'>): Promise<void> {
    const { enrollmentProfileId, transactionId, signerFingerprint, ...data } = row;
    await this.db.scepTransaction.upsert({
      where: { enrollmentProfileId_transactionId_signerFingerprint: { enrollmentProfileId, transactionId, signerFingerprint } },
      create: row,
      update: data,
    });
  }
}
