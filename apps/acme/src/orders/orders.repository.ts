import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@certctl/database';
import {
  type AuthzStatus,
  type ChallengeStatus,
  type OrderStatus,
  OPEN_ORDER_STATUSES,
  assertInitialStatus,
  assertTransition,
} from './order-state';

export type OrderRow = Prisma.AcmeOrderGetPayload<object>;

/** A new order with its authorizations and their challenges, written together. */
export interface NewOrder {
  order: {
    id: string;
    accountId: string;
    profileId: string;
    status: OrderStatus;
    identifiers: unknown;
    expiresAt: Date;
    replaces: string | null;
  };
  authorizations: {
    id: string;
    identifierType: string;
    identifierValue: string;
    wildcard: boolean;
    status: AuthzStatus;
    expiresAt: Date;
  }[];
  challenges: { id: string; authorizationId: string; type: string; token: string; status: ChallengeStatus; validatedAt?: Date }[];
}

/** What a status change may record besides the status. */
export interface OrderOutcome {
  error?: unknown;
  certificatePem?: string;
  serialNumber?: string;
  /** The finalize CSR: set when the order starts processing, cleared (null) when it goes back to ready. */
  csrPem?: string | null;
}

type OrderFilter = { id: string } | { accountId: string } | { expiresAt: { lte: Date } };
type Client = Prisma.TransactionClient | PrismaService;

/** The acme_orders table (and the creation of an order's authorizations and challenges). */
@Injectable()
export class OrdersRepository {
  constructor(private readonly db: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  findById(id: string): Promise<OrderRow | null> {
    return this.db.acmeOrder.findUnique({ where: { id } });
  }

  /** The valid order that issued the certificate with this serial number. */
  findValidBySerial(serialNumber: string): Promise<OrderRow | null> {
    return this.db.acmeOrder.findFirst({ where: { serialNumber, status: 'valid' } });
  }

  /** An order (not invalid) that already replaces the certificate `certId` (RFC 9773). */
  findReplacementOf(certId: string): Promise<{ id: string } | null> {
    return this.db.acmeOrder.findFirst({ where: { replaces: certId, status: { not: 'invalid' } }, select: { id: true } });
  }

  countOpenOfAccount(accountId: string, now: Date): Promise<number> {
    return this.db.acmeOrder.count({
      where: { accountId, status: { in: [...OPEN_ORDER_STATUSES] }, expiresAt: { gt: now } },
    });
  }

  /** The account's open and valid orders, newest first (RFC 8555 §7.1.2.1). */
  idsOfAccount(accountId: string, limit: number): Promise<{ id: string }[]> {
    return this.db.acmeOrder.findMany({
      where: { accountId, status: { in: [...OPEN_ORDER_STATUSES, 'valid'] } },
      orderBy: { createdAt: 'desc' },
      select: { id: true },
      take: limit,
    });
  }

  list(q: { limit: number; accountId?: string; status?: string }): Promise<OrderRow[]> {
    return this.db.acmeOrder.findMany({
      where: { ...(q.accountId ? { accountId: q.accountId } : {}), ...(q.status ? { status: q.status } : {}) },
      orderBy: { createdAt: 'desc' },
      take: q.limit,
    });
  }

  /**
   * The order, its authorizations and their challenges in one INSERT statement (data-modifying
   * CTEs: atomic, one round trip; the foreign keys are checked at the end of the statement).
   */
  async insert(input: NewOrder): Promise<OrderRow> {
    assertInitialStatus('order', input.order.status);
    for (const authz of input.authorizations) assertInitialStatus('authorization', authz.status);
    for (const challenge of input.challenges) assertInitialStatus('challenge', challenge.status);
    const { order, authorizations: authz, challenges: chall } = input;
    const now = new Date();
    await this.db.$executeRaw`
      WITH o AS (
        INSERT INTO acme_orders (id, account_id, profile_id, status, identifiers, expires_at, replaces, created_at, updated_at)
        VALUES (${order.id}, ${order.accountId}, ${order.profileId}, ${order.status}, ${JSON.stringify(order.identifiers)}::jsonb,
                ${order.expiresAt}, ${order.replaces}, ${now}, ${now})
        RETURNING id, account_id
      ), a AS (
        INSERT INTO acme_authorizations (id, order_id, account_id, identifier_type, identifier_value, wildcard, status, expires_at, created_at)
        SELECT t.id, o.id, o.account_id, t.identifier_type, t.identifier_value, t.wildcard, t.status, t.expires_at, ${now}
        FROM o, unnest(${authz.map((a) => a.id)}::text[], ${authz.map((a) => a.identifierType)}::text[],
                       ${authz.map((a) => a.identifierValue)}::text[], ${authz.map((a) => a.wildcard)}::boolean[],
                       ${authz.map((a) => a.status)}::text[], ${authz.map((a) => a.expiresAt.toISOString())}::timestamptz[])
             AS t(id, identifier_type, identifier_value, wildcard, status, expires_at)
        RETURNING id
      )
      INSERT INTO acme_challenges (id, authorization_id, type, token, status, validated_at, created_at, updated_at)
      SELECT t.id, t.authorization_id, t.type, t.token, t.status, t.validated_at, ${now}, ${now}
      FROM unnest(${chall.map((c) => c.id)}::text[], ${chall.map((c) => c.authorizationId)}::text[], ${chall.map((c) => c.type)}::text[],
                  ${chall.map((c) => c.token)}::text[], ${chall.map((c) => c.status)}::text[],
                  ${chall.map((c) => c.validatedAt?.toISOString() ?? null)}::timestamptz[])
           AS t(id, authorization_id, type, token, status, validated_at)`;
    return {
      ...order,
      identifiers: order.identifiers as Prisma.JsonValue,
      error: null,
      certificateId: null,
      jobId: null,
      serialNumber: null,
      certificatePem: null,
      csrPem: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** The inventory certificate and job an order in processing waits for. */
  recordIssuance(id: string, issuance: { certificateId: string; jobId: string }): Promise<OrderRow> {
    return this.db.acmeOrder.update({ where: { id }, data: issuance });
  }

  /**
   * Orders processing since before `before` (their finalize request should have ended by then):
   * those a stopped ACME service left behind, or whose job no client asked about since.
   */
  findProcessingSince(before: Date, limit: number): Promise<OrderRow[]> {
    return this.db.acmeOrder.findMany({
      where: { status: 'processing', updatedAt: { lt: before } },
      orderBy: { updatedAt: 'asc' },
      take: limit,
    });
  }

  /** Serializes the writers of one order's authorizations until `tx` ends. */
  async lock(id: string, tx: Prisma.TransactionClient): Promise<void> {
    await tx.$queryRaw`SELECT id FROM acme_orders WHERE id = ${id} FOR UPDATE`;
  }

  /** Moves one order from any of `from` to `to`; the count is 0 when it was in none of them. */
  transition(id: string, from: readonly OrderStatus[], to: OrderStatus, outcome: OrderOutcome = {}, tx?: Prisma.TransactionClient) {
    return this.move({ id }, from, to, outcome, tx ?? this.db);
  }

  /** Moves every order of an account that is in one of `from`. */
  transitionOfAccount(accountId: string, from: readonly OrderStatus[], to: OrderStatus, outcome: OrderOutcome = {}) {
    return this.move({ accountId }, from, to, outcome, this.db);
  }

  /** Moves every order past its expiry that is in one of `from`. */
  transitionExpired(now: Date, from: readonly OrderStatus[], to: OrderStatus, outcome: OrderOutcome = {}) {
    return this.move({ expiresAt: { lte: now } }, from, to, outcome, this.db);
  }

  /** Every order status write: the transition table first, then a conditional UPDATE on the old status. */
  private async move(filter: OrderFilter, from: readonly OrderStatus[], to: OrderStatus, outcome: OrderOutcome, client: Client) {
    assertTransition('order', from, to);
    const { error, ...rest } = outcome;
    const updated = await client.acmeOrder.updateMany({
      where: { ...filter, status: { in: [...from] } },
      data: { status: to, ...rest, ...(error === undefined ? {} : { error: error as Prisma.InputJsonValue }) },
    });
    return updated.count;
  }
}
