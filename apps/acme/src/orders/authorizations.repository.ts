import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, Prisma, PrismaService, translateDbErrors } from '@certctl/database';
import { type AuthzStatus, type ChallengeStatus, assertTransition } from './order-state';

export type AuthzRow = Prisma.AcmeAuthorizationGetPayload<{ include: { challenges: true } }>;
export type ChallengeRow = Prisma.AcmeChallengeGetPayload<object>;
export type ChallengeWithAuthz = Prisma.AcmeChallengeGetPayload<{ include: { authorization: true } }>;

/** What a validated challenge records besides its status. */
export interface ChallengeOutcome {
  validatedAt?: Date;
  validationRecord: unknown;
  /** The problem of a failed validation; `null` clears an earlier one. */
  error: unknown;
}

/** The acme_authorizations and acme_challenges tables. */
@Injectable()
export class AuthorizationsRepository {
  constructor(private readonly db: PrismaService) {}

  findWithChallenges(id: string): Promise<AuthzRow | null> {
    return this.db.acmeAuthorization.findUnique({ where: { id }, include: { challenges: { orderBy: { type: 'asc' } } } });
  }

  idsOfOrder(orderId: string): Promise<{ id: string }[]> {
    return this.db.acmeAuthorization.findMany({ where: { orderId }, select: { id: true }, orderBy: { id: 'asc' } });
  }

  /** How many of an order's authorizations are not valid (yet). */
  countNotValidOfOrder(orderId: string, tx: Prisma.TransactionClient): Promise<number> {
    return tx.acmeAuthorization.count({ where: { orderId, status: { not: 'valid' } } });
  }

  /** Moves one authorization from any of `from` to `to`; the count is 0 when it was in none of them. */
  transition(id: string, from: readonly AuthzStatus[], to: AuthzStatus, tx?: Prisma.TransactionClient): Promise<number> {
    return this.move({ id }, from, to, tx ?? this.db);
  }

  /** Pending authorizations past their expiry become expired. */
  expireOverdue(now: Date): Promise<number> {
    return this.move({ expiresAt: { lte: now } }, ['pending'], 'expired', this.db);
  }

  /** Every authorization status write: the transition table first, then a conditional UPDATE on the old status. */
  private async move(
    filter: { id: string } | { expiresAt: { lte: Date } },
    from: readonly AuthzStatus[],
    to: AuthzStatus,
    client: Prisma.TransactionClient | PrismaService,
  ): Promise<number> {
    assertTransition('authorization', from, to);
    const updated = await client.acmeAuthorization.updateMany({ where: { ...filter, status: { in: [...from] } }, data: { status: to } });
    return updated.count;
  }

  findChallenge(id: string): Promise<ChallengeRow | null> {
    return this.db.acmeChallenge.findUnique({ where: { id } });
  }

  findChallengeWithAuthz(id: string): Promise<ChallengeWithAuthz | null> {
    return this.db.acmeChallenge.findUnique({ where: { id }, include: { authorization: true } });
  }

  /** The pending → processing claim: true for the one replica that may validate the challenge. */
  async claimChallenge(id: string): Promise<boolean> {
    assertTransition('challenge', ['pending'], 'processing');
    const claimed = await this.db.acmeChallenge.updateMany({ where: { id, status: 'pending' }, data: { status: 'processing' } });
    return claimed.count === 1;
  }

  /** A claimed challenge's validation outcome; refused when the challenge is not processing. */
  recordChallengeOutcome(
    id: string,
    to: Extract<ChallengeStatus, 'valid' | 'invalid'>,
    outcome: ChallengeOutcome,
    tx: Prisma.TransactionClient,
  ): Promise<ChallengeRow> {
    assertTransition('challenge', ['processing'], to);
    return translateDbErrors(
      () =>
        tx.acmeChallenge.update({
          where: { id, status: 'processing' },
          data: {
            status: to,
            validationRecord: outcome.validationRecord as Prisma.InputJsonValue,
            error: outcome.error === null ? Prisma.DbNull : (outcome.error as Prisma.InputJsonValue),
            ...(outcome.validatedAt ? { validatedAt: outcome.validatedAt } : {}),
          },
        }),
      {
        [DbErrorCode.RecordNotFound]: () => new AppError('illegal_transition', `ACME challenge ${id} is no longer processing`),
      },
    );
  }
}
