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

  /** The order, its authorizations and their challenges in one transaction. */
  async insert(input: NewOrder): Promise<OrderRow> {
    assertInitialStatus('order', input.order.status);
    for (const authz of input.authorizations) assertInitialStatus('authorization', authz.status);
    for (const challenge of input.challenges) assertInitialStatus('challenge', challenge.status);
    const [order] = await this.db.$transaction([
      this.db.acmeOrder.create({
        data: { ...input.order, identifiers: input.order.identifiers as Prisma.InputJsonValue },
      }),
      this.db.acmeAuthorization.createMany({
        data: input.authorizations.map((authz) => ({ ...authz, orderId: input.order.id, accountId: input.order.accountId })),
      }),
      this.db.acmeChallenge.createMany({ data: input.challenges }),
    ]);
    return order;
  }

  /** The inventory certificate and job an order in processing waits for. */
  recordIssuance(id: string, issuance: { certificateId: string; jobId: string }): Promise<OrderRow> {
    return this.db.acmeOrder.update({ where: { id }, data: issuance });
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
