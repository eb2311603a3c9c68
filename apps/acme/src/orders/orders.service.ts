import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { counter, getLogger } from '@certctl/observability';
import { type SanRules, checkSanRules } from '@certctl/pki';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import type { AcmeAccountRow } from '../accounts/accounts.service';
import { asObject } from '../accounts/accounts.service';
import { AcmeError } from '../protocol/errors';
import { type Identifier, parseIdentifiers } from '../protocol/identifiers';
import { AcmeRateLimits } from '../protocol/rate-limits';
import type { AcmeUrls } from '../protocol/urls';
import type { AcmeProfile } from '../profiles/profile-cache';
import { parseCertId } from '../certificates/cert-id';

export type OrderRow = Prisma.AcmeOrderGetPayload<object>;
export type AuthzRow = Prisma.AcmeAuthorizationGetPayload<{ include: { challenges: true } }>;
export type ChallengeRow = Prisma.AcmeChallengeGetPayload<object>;

export const ordersTotal = counter('certctl_acme_orders_total', 'ACME orders by the status they reached', ['status']);
const OPEN_STATUSES = ['pending', 'ready', 'processing'];

/** RFC 8555 §7.4–7.5: orders, their authorizations and challenges. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly db: PrismaService,
    @Inject(ACME_CONFIG) private readonly config: AcmeConfig,
  ) {}

  /** newOrder: identifiers checked against the profile before anything is stored. */
  async newOrder(
    account: AcmeAccountRow,
    payload: unknown,
    profile: AcmeProfile,
    limits: AcmeRateLimits,
  ): Promise<{ order: OrderRow; authz: { id: string }[] }> {
    const p = asObject(payload);
    const identifiers = parseIdentifiers(p.identifiers, { allowInternalNames: profile.allowInternalNames });
    if (p.notBefore !== undefined || p.notAfter !== undefined) {
      throw new AcmeError('malformed', 'notBefore and notAfter are not supported: validity comes from the certificate profile');
    }
    const breaches = checkSanRules(
      identifiers.map((i) => i.value),
      profile.sanRules as SanRules,
    );
    if (breaches.length) {
      throw new AcmeError(
        'rejectedIdentifier',
        `the profile does not allow these identifiers: ${breaches.map((b) => b.message).join('; ')}`,
        {
          subproblems: breaches.map((b) => ({ type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: b.message })),
        },
      );
    }
    const replaces = p.replaces === undefined ? null : await this.checkReplaces(account, p.replaces);
    const concurrent = this.config.CERTCTL_ACME_RATE_CONCURRENT_ORDERS;
    if (concurrent) {
      const open = await this.db.acmeOrder.count({
        where: { accountId: account.id, status: { in: OPEN_STATUSES }, expiresAt: { gt: new Date() } },
      });
      if (open >= concurrent) {
        AcmeRateLimits.countConcurrent();
        throw AcmeRateLimits.refused('pending orders at once for this account', concurrent, 60);
      }
    }
    await limits.take('orders', account.id);

    // Trust comes from an EAB key of this very profile: an account bound elsewhere still proves control.
    const trusted = profile.authMode === 'trust_authenticated' && !!account.eabKeyId && account.profileId === profile.id;
    const now = Date.now();
    const orderId = newId('ord');
    const expiresAt = new Date(now + this.config.CERTCTL_ACME_ORDER_TTL_SECONDS * 1000);
    const authzExpires = new Date(Math.min(expiresAt.getTime(), now + this.config.CERTCTL_ACME_AUTHZ_TTL_SECONDS * 1000));
    const status = trusted ? 'ready' : 'pending';
    const authzRows = identifiers.map((id) => ({ id: newId('authz'), identifier: id }));
    const [order] = await this.db.$transaction([
      this.db.acmeOrder.create({
        data: {
          id: orderId,
          accountId: account.id,
          profileId: profile.id,
          status,
          identifiers: identifiers as unknown as Prisma.InputJsonValue,
          expiresAt,
          replaces,
        },
      }),
      this.db.acmeAuthorization.createMany({
        data: authzRows.map((a) => ({
          id: a.id,
          orderId,
          accountId: account.id,
          identifierType: a.identifier.type,
          identifierValue: a.identifier.value.replace(/^\*\./, ''),
          wildcard: a.identifier.value.startsWith('*.'),
          status: trusted ? 'valid' : 'pending',
          expiresAt: authzExpires,
        })),
      }),
      this.db.acmeChallenge.createMany({
        data: authzRows.flatMap((a) =>
          challengeTypesFor(a.identifier).map((type) => ({
            id: newId('chall'),
            authorizationId: a.id,
            type,
            token: randomBytes(32).toString('base64url'),
            status: trusted ? 'valid' : 'pending',
            ...(trusted ? { validatedAt: new Date(now) } : {}),
          })),
        ),
      }),
    ]);
    ordersTotal.inc({ status });
    return { order, authz: authzRows.map((a) => ({ id: a.id })).sort((a, b) => a.id.localeCompare(b.id)) };
  }

  /** RFC 9773 §5: `replaces` names a certificate of this account not replaced before. */
  private async checkReplaces(account: AcmeAccountRow, raw: unknown): Promise<string> {
    if (typeof raw !== 'string') throw new AcmeError('malformed', '"replaces" must be an ARI certificate identifier');
    const { serial } = parseCertId(raw);
    const old = await this.db.acmeOrder.findFirst({ where: { serialNumber: serial, status: 'valid' } });
    if (!old) throw new AcmeError('malformed', '"replaces" names no certificate this server issued');
    if (old.accountId !== account.id) throw new AcmeError('unauthorized', '"replaces" names a certificate of another account');
    const already = await this.db.acmeOrder.findFirst({
      where: { replaces: raw, status: { not: 'invalid' } },
      select: { id: true },
    });
    if (already) throw new AcmeError('alreadyReplaced', `the certificate has already been replaced by order ${already.id}`);
    return raw;
  }

  async order(id: string, account: AcmeAccountRow): Promise<OrderRow> {
    const o = await this.db.acmeOrder.findUnique({ where: { id } });
    if (!o) throw new AcmeError('malformed', `no order ${id}`, { status: 404 });
    if (o.accountId !== account.id) throw new AcmeError('unauthorized', 'the order belongs to another account');
    return this.expire(o);
  }

  /** An order past its expiry that never finished is invalid from then on. */
  private async expire(o: OrderRow): Promise<OrderRow> {
    if ((o.status === 'pending' || o.status === 'ready') && o.expiresAt.getTime() <= Date.now()) {
      const error = { type: 'urn:ietf:params:acme:error:malformed', detail: 'the order expired' };
      await this.db.acmeOrder.updateMany({ where: { id: o.id, status: o.status }, data: { status: 'invalid', error } });
      ordersTotal.inc({ status: 'invalid' });
      return { ...o, status: 'invalid', error };
    }
    return o;
  }

  authzIds(orderId: string): Promise<{ id: string }[]> {
    return this.db.acmeAuthorization.findMany({ where: { orderId }, select: { id: true }, orderBy: { id: 'asc' } });
  }

  orderRepresentation(o: OrderRow, authz: { id: string }[], urls: AcmeUrls) {
    return {
      status: o.status,
      expires: o.expiresAt.toISOString(),
      identifiers: o.identifiers,
      authorizations: authz.map((a) => urls.authz(a.id)),
      finalize: urls.finalize(o.id),
      ...(o.certificatePem && o.status === 'valid' ? { certificate: urls.certificate(o.id) } : {}),
      ...(o.error ? { error: o.error } : {}),
      ...(o.replaces ? { replaces: o.replaces } : {}),
    };
  }

  async authz(id: string, account: AcmeAccountRow): Promise<AuthzRow> {
    const a = await this.db.acmeAuthorization.findUnique({ where: { id }, include: { challenges: { orderBy: { type: 'asc' } } } });
    if (!a) throw new AcmeError('malformed', `no authorization ${id}`, { status: 404 });
    if (a.accountId !== account.id) throw new AcmeError('unauthorized', 'the authorization belongs to another account');
    if (a.status === 'pending' && a.expiresAt.getTime() <= Date.now()) {
      await this.db.acmeAuthorization.updateMany({ where: { id, status: 'pending' }, data: { status: 'expired' } });
      return { ...a, status: 'expired' };
    }
    return a;
  }

  async challenge(id: string, account: AcmeAccountRow): Promise<{ challenge: ChallengeRow; authzId: string }> {
    const c = await this.db.acmeChallenge.findUnique({ where: { id }, include: { authorization: { select: { accountId: true } } } });
    if (!c) throw new AcmeError('malformed', `no challenge ${id}`, { status: 404 });
    if (c.authorization.accountId !== account.id) throw new AcmeError('unauthorized', 'the challenge belongs to another account');
    const { authorization: _a, ...challenge } = c;
    return { challenge, authzId: c.authorizationId };
  }

  /** Client deactivation of an authorization (RFC 8555 §7.5.2). */
  async deactivateAuthz(a: AuthzRow): Promise<AuthzRow> {
    if (a.status !== 'pending' && a.status !== 'valid')
      throw new AcmeError('malformed', `an authorization that is ${a.status} cannot be deactivated`);
    await this.db.$transaction([
      this.db.acmeAuthorization.update({ where: { id: a.id }, data: { status: 'deactivated' } }),
      this.db.acmeOrder.updateMany({
        where: { id: a.orderId, status: { in: ['pending', 'ready'] } },
        data: { status: 'invalid', error: { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'an authorization was deactivated' } },
      }),
    ]);
    return { ...a, status: 'deactivated' };
  }

  authzRepresentation(a: AuthzRow, urls: AcmeUrls) {
    return {
      identifier: { type: a.identifierType, value: a.identifierValue },
      status: a.status,
      expires: a.expiresAt.toISOString(),
      challenges: a.challenges.map((c) => this.challengeRepresentation(c, urls)),
      ...(a.wildcard ? { wildcard: true } : {}),
    };
  }

  challengeRepresentation(c: ChallengeRow, urls: AcmeUrls) {
    return {
      type: c.type,
      url: urls.challenge(c.id),
      status: c.status,
      token: c.token,
      ...(c.validatedAt ? { validated: c.validatedAt.toISOString() } : {}),
      ...(c.error ? { error: c.error } : {}),
      ...(c.validationRecord ? { validationRecord: c.validationRecord } : {}),
    };
  }

  async accountOrders(account: AcmeAccountRow, urls: AcmeUrls) {
    const rows = await this.db.acmeOrder.findMany({
      where: { accountId: account.id, status: { in: OPEN_STATUSES.concat('valid') } },
      orderBy: { createdAt: 'desc' },
      select: { id: true },
      take: 1000,
    });
    return { orders: rows.map((r) => urls.order(r.id)) };
  }

  async listOrders(q: { limit: number; account_id?: string; status?: string }) {
    const rows = await this.db.acmeOrder.findMany({
      where: { ...(q.account_id ? { accountId: q.account_id } : {}), ...(q.status ? { status: q.status } : {}) },
      orderBy: { createdAt: 'desc' },
      take: q.limit,
    });
    return {
      data: rows.map((o) => ({
        id: o.id,
        account_id: o.accountId,
        profile_id: o.profileId,
        status: o.status,
        identifiers: o.identifiers as { type: string; value: string }[],
        certificate_id: o.certificateId,
        serial_number: o.serialNumber,
        expires_at: o.expiresAt.toISOString(),
        created_at: o.createdAt.toISOString(),
      })),
    };
  }

  /** Garbage collection: open orders and pending authorizations past their expiry become invalid/expired. */
  async collectGarbage(): Promise<{ orders_expired: number; authorizations_expired: number }> {
    const orders = await this.db.acmeOrder.updateMany({
      where: { status: { in: ['pending', 'ready'] }, expiresAt: { lte: new Date() } },
      data: { status: 'invalid', error: { type: 'urn:ietf:params:acme:error:malformed', detail: 'the order expired' } },
    });
    const authz = await this.db.acmeAuthorization.updateMany({
      where: { status: 'pending', expiresAt: { lte: new Date() } },
      data: { status: 'expired' },
    });
    if (orders.count || authz.count)
      getLogger().info({ orders: orders.count, authorizations: authz.count }, 'expired ACME orders and authorizations');
    return { orders_expired: orders.count, authorizations_expired: authz.count };
  }
}

/** Which challenges an identifier is offered: wildcards only dns-01; IP addresses no dns-01 (RFC 8738). */
export function challengeTypesFor(id: Identifier): string[] {
  if (id.type === 'ip') return ['http-01', 'tls-alpn-01'];
  if (id.value.startsWith('*.')) return ['dns-01'];
  return ['http-01', 'dns-01', 'tls-alpn-01'];
}
