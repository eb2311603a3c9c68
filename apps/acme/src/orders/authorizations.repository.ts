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

  /**
   * A passed validation in one statement (after the caller locked the order row in `tx`): the
   * claimed challenge becomes valid, its pending authorization valid, and the order ready when
   * no other authorization of it is left not valid (the challenge outcome, the authorization
   * transition, the count of the order's other authorizations and the order transition in one
   * round trip instead of four). The statement's snapshot is taken after the lock, so of two
   * authorizations of one order validated side by side the second sees the first valid.
   * Refused with illegal_transition when the challenge is not processing.
   */
  async recordValidation(
    ids: { challengeId: string; authorizationId: string; orderId: string },
    outcome: { validatedAt: Date; validationRecord: unknown },
    tx: Prisma.TransactionClient,
  ): Promise<{ challenge: ChallengeRow; orderReady: boolean }> {
    assertTransition('challenge', ['processing'], 'valid');
    assertTransition('authorization', ['pending'], 'valid');
    assertTransition('order', ['pending'], 'ready');
    const { challengeId, authorizationId, orderId } = ids;
    const rows = await tx.$queryRaw<(ChallengeRow & { orderReady: number })[]>`
      WITH c AS (
        UPDATE acme_challenges
        SET status = 'valid', validation_record = ${JSON.stringify(outcome.validationRecord ?? null)}::jsonb, error = NULL,
            validated_at = ${outcome.validatedAt}, updated_at = now()
        WHERE id = ${challengeId} AND status = 'processing'
        RETURNING id, authorization_id, type, token, status, validated_at, error, validation_record, created_at, updated_at
      ), a AS (
        UPDATE acme_authorizations SET status = 'valid'
        WHERE id = ${authorizationId} AND status = 'pending' AND EXISTS (SELECT 1 FROM c)
        RETURNING id
      ), o AS (
        UPDATE acme_orders SET status = 'ready', updated_at = now()
        WHERE id = ${orderId} AND status = 'pending' AND EXISTS (SELECT 1 FROM c)
          AND NOT EXISTS (SELECT 1 FROM acme_authorizations z WHERE z.order_id = ${orderId} AND z.status <> 'valid' AND z.id NOT IN (SELECT id FROM a))
        RETURNING id
      )
      SELECT c.id, c.authorization_id AS "authorizationId", c.type, c.token, c.status, c.validated_at AS "validatedAt", c.error,
             c.validation_record AS "validationRecord", c.created_at AS "createdAt", c.updated_at AS "updatedAt",
             (SELECT count(*) FROM o)::int AS "orderReady"
      FROM c`;
    if (!rows.length) throw new AppError('illegal_transition', `ACME challenge ${challengeId} is no longer processing`);
    const { orderReady, ...challenge } = rows[0];
    return { challenge, orderReady: orderReady > 0 };
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
