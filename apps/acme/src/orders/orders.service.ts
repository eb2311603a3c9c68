import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@certctl/database';
import { counter, getLogger } from '@certctl/observability';
import { type SanRules, checkSanRules } from '@certctl/pki';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import type { AcmeAccountRow } from '../accounts/accounts.repository';
import { asObject } from '../protocol/payload';
import { AcmeError } from '../protocol/errors';
import { type Identifier, parseIdentifiers } from '../protocol/identifiers';
import { AcmeRateLimits } from '../protocol/rate-limits';
import type { AcmeProfile } from '../profiles/profile-cache';
import { parseCertId } from '../certificates/cert-id';
import { type AuthzRow, AuthorizationsRepository, type ChallengeRow } from './authorizations.repository';
import { type NewOrder, type OrderRow, OrdersRepository } from './orders.repository';
import { type OrderStatus, UNFINALIZED_ORDER_STATUSES } from './order-state';

export const ordersTotal = counter('certctl_acme_orders_total', 'ACME orders by the status they reached', ['status']);
/** How many orders' authorization ids one replica remembers (the oldest is forgotten first). */
const AUTHZ_IDS_REMEMBERED = 10_000;
const ORDER_EXPIRED = { type: 'urn:ietf:params:acme:error:malformed', detail: 'the order expired' };

/** RFC 8555 §7.4–7.5: orders, their authorizations and challenges. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly authorizations: AuthorizationsRepository,
    @Inject(ACME_CONFIG) private readonly config: AcmeConfig,
  ) {}

  /** newOrder: identifiers checked against the profile before anything is stored. */
  async newOrder(
    account: AcmeAccountRow,
    payload: unknown,
    profile: AcmeProfile,
    limits: AcmeRateLimits,
  ): Promise<{ order: OrderRow; authz: { id: string }[] }> {
    const request = asObject(payload);
    const identifiers = parseOrderIdentifiers(request, profile);
    const replaces = request.replaces === undefined ? null : await this.checkReplaces(account, request.replaces);
    await this.refuseTooManyOpenOrders(account);
    await limits.take('orders', account.id);

    const draft = this.draftOrder(account, profile, identifiers, replaces);
    const order = await this.orders.insert(draft);
    ordersTotal.inc({ status: order.status });
    const authz = draft.authorizations.map((a) => ({ id: a.id })).sort((a, b) => a.id.localeCompare(b.id));
    this.rememberAuthzIds(order.id, authz);
    return { order, authz };
  }

  /** RFC 9773 §5: `replaces` names a certificate of this account not replaced before. */
  private async checkReplaces(account: AcmeAccountRow, raw: unknown): Promise<string> {
    if (typeof raw !== 'string') throw new AcmeError('malformed', '"replaces" must be an ARI certificate identifier');
    const { serial } = parseCertId(raw);
    const old = await this.orders.findValidBySerial(serial);
    if (!old) throw new AcmeError('malformed', '"replaces" names no certificate this server issued');
    if (old.accountId !== account.id) throw new AcmeError('unauthorized', '"replaces" names a certificate of another account');
    const already = await this.orders.findReplacementOf(raw);
    if (already) throw new AcmeError('alreadyReplaced', `the certificate has already been replaced by order ${already.id}`);
    return raw;
  }

  /** CERTCTL_ACME_RATE_CONCURRENT_ORDERS: at most that many unexpired open orders per account. */
  private async refuseTooManyOpenOrders(account: AcmeAccountRow): Promise<void> {
    const concurrent = this.config.CERTCTL_ACME_RATE_CONCURRENT_ORDERS;
    if (!concurrent) return;
    const open = await this.orders.countOpenOfAccount(account.id, new Date());
    if (open >= concurrent) {
      AcmeRateLimits.countConcurrent();
      throw AcmeRateLimits.refused('pending orders at once for this account', concurrent, 60);
    }
  }

  /**
   * The rows of a new order. Trust comes from an EAB key of this very profile (an account bound
   * elsewhere still proves control): a trusted account's order starts ready, its authorizations
   * and challenges valid.
   */
  private draftOrder(account: AcmeAccountRow, profile: AcmeProfile, identifiers: Identifier[], replaces: string | null): NewOrder {
    const trusted = profile.authMode === 'trust_authenticated' && !!account.eabKeyId && account.profileId === profile.id;
    const now = Date.now();
    const orderId = newId('ord');
    const expiresAt = new Date(now + this.config.CERTCTL_ACME_ORDER_TTL_SECONDS * 1000);
    const authzExpires = new Date(Math.min(expiresAt.getTime(), now + this.config.CERTCTL_ACME_AUTHZ_TTL_SECONDS * 1000));
    const authorizations = identifiers.map((identifier) => ({
      id: newId('authz'),
      identifierType: identifier.type,
      identifierValue: identifier.value.replace(/^\*\./, ''),
      wildcard: identifier.value.startsWith('*.'),
      status: trusted ? ('valid' as const) : ('pending' as const),
      expiresAt: authzExpires,
    }));
    const challenges = authorizations.flatMap((authz, index) =>
      challengeTypesFor(identifiers[index]).map((type) => ({
        id: newId('chall'),
        authorizationId: authz.id,
        type,
        token: randomBytes(32).toString('base64url'),
        status: trusted ? ('valid' as const) : ('pending' as const),
        ...(trusted ? { validatedAt: new Date(now) } : {}),
      })),
    );
    const status: OrderStatus = trusted ? 'ready' : 'pending';
    return {
      order: { id: orderId, accountId: account.id, profileId: profile.id, status, identifiers, expiresAt, replaces },
      authorizations,
      challenges,
    };
  }

  async order(id: string, account: AcmeAccountRow): Promise<OrderRow> {
    const order = await this.orders.findById(id);
    if (!order) throw new AcmeError('malformed', `no order ${id}`, { status: 404 });
    if (order.accountId !== account.id) throw new AcmeError('unauthorized', 'the order belongs to another account');
    return this.expire(order);
  }

  /** An order past its expiry that never finished is invalid from then on. */
  private async expire(order: OrderRow): Promise<OrderRow> {
    const status = order.status as OrderStatus;
    if (UNFINALIZED_ORDER_STATUSES.includes(status) && order.expiresAt.getTime() <= Date.now()) {
      await this.orders.transition(order.id, [status], 'invalid', { error: ORDER_EXPIRED });
      ordersTotal.inc({ status: 'invalid' });
      return { ...order, status: 'invalid', error: ORDER_EXPIRED };
    }
    return order;
  }

  /**
   * An order's authorization ids (every order answer lists them). They never change once the
   * order exists, so this replica remembers those of the orders it created or read lately.
   */
  async authzIds(orderId: string): Promise<{ id: string }[]> {
    const known = this.authzIdsOf.get(orderId);
    if (known) return known;
    const ids = await this.authorizations.idsOfOrder(orderId);
    if (ids.length) this.rememberAuthzIds(orderId, ids);
    return ids;
  }

  private readonly authzIdsOf = new Map<string, { id: string }[]>();
  private rememberAuthzIds(orderId: string, ids: { id: string }[]): void {
    if (this.authzIdsOf.size >= AUTHZ_IDS_REMEMBERED) this.authzIdsOf.delete(this.authzIdsOf.keys().next().value!);
    this.authzIdsOf.set(orderId, ids);
  }

  async authz(id: string, account: AcmeAccountRow): Promise<AuthzRow> {
    const authz = await this.authorizations.findWithChallenges(id);
    if (!authz) throw new AcmeError('malformed', `no authorization ${id}`, { status: 404 });
    if (authz.accountId !== account.id) throw new AcmeError('unauthorized', 'the authorization belongs to another account');
    if (authz.status === 'pending' && authz.expiresAt.getTime() <= Date.now()) {
      await this.authorizations.transition(id, ['pending'], 'expired');
      return { ...authz, status: 'expired' };
    }
    return authz;
  }

  async challenge(id: string, account: AcmeAccountRow): Promise<{ challenge: ChallengeRow; authzId: string }> {
    const found = await this.authorizations.findChallengeWithAuthz(id);
    if (!found) throw new AcmeError('malformed', `no challenge ${id}`, { status: 404 });
    if (found.authorization.accountId !== account.id) throw new AcmeError('unauthorized', 'the challenge belongs to another account');
    const { authorization: _authorization, ...challenge } = found;
    return { challenge, authzId: found.authorizationId };
  }

  /** Client deactivation of an authorization (RFC 8555 §7.5.2); its order can no longer succeed. */
  async deactivateAuthz(authz: AuthzRow): Promise<AuthzRow> {
    if (authz.status !== 'pending' && authz.status !== 'valid')
      throw new AcmeError('malformed', `an authorization that is ${authz.status} cannot be deactivated`);
    const error = { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'an authorization was deactivated' };
    await this.orders.transaction(async (tx) => {
      await this.authorizations.transition(authz.id, [authz.status as 'pending' | 'valid'], 'deactivated', tx);
      await this.orders.transition(authz.orderId, UNFINALIZED_ORDER_STATUSES, 'invalid', { error }, tx);
    });
    return { ...authz, status: 'deactivated' };
  }

  /** Pending and ready orders of a deactivated account are abandoned. */
  async abandonOrdersOf(accountId: string): Promise<void> {
    await this.orders.transitionOfAccount(accountId, UNFINALIZED_ORDER_STATUSES, 'invalid', {
      error: { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'account deactivated' },
    });
  }

  async accountOrderIds(account: AcmeAccountRow): Promise<string[]> {
    return (await this.orders.idsOfAccount(account.id, 1000)).map((row) => row.id);
  }

  async listOrders(q: { limit: number; account_id?: string; status?: string }) {
    const rows = await this.orders.list({ limit: q.limit, accountId: q.account_id, status: q.status });
    return {
      data: rows.map((order) => ({
        id: order.id,
        account_id: order.accountId,
        profile_id: order.profileId,
        status: order.status,
        identifiers: order.identifiers as { type: string; value: string }[],
        certificate_id: order.certificateId,
        serial_number: order.serialNumber,
        expires_at: order.expiresAt.toISOString(),
        created_at: order.createdAt.toISOString(),
      })),
    };
  }

  /** Garbage collection: open orders and pending authorizations past their expiry become invalid/expired. */
  async collectGarbage(): Promise<{ orders_expired: number; authorizations_expired: number }> {
    const orders = await this.orders.transitionExpired(new Date(), UNFINALIZED_ORDER_STATUSES, 'invalid', { error: ORDER_EXPIRED });
    const authorizations = await this.authorizations.expireOverdue(new Date());
    if (orders || authorizations) getLogger().info({ orders, authorizations }, 'expired ACME orders and authorizations');
    return { orders_expired: orders, authorizations_expired: authorizations };
  }
}

/** The identifiers of a newOrder request, refused unless the profile's SAN rules allow them all. */
export function parseOrderIdentifiers(request: Record<string, unknown>, profile: AcmeProfile): Identifier[] {
  const identifiers = parseIdentifiers(request.identifiers, { allowInternalNames: profile.allowInternalNames });
  if (request.notBefore !== undefined || request.notAfter !== undefined) {
    throw new AcmeError('malformed', 'notBefore and notAfter are not supported: validity comes from the certificate profile');
  }
  const breaches = checkSanRules(
    identifiers.map((identifier) => identifier.value),
    profile.sanRules as SanRules,
  );
  if (breaches.length) {
    throw new AcmeError(
      'rejectedIdentifier',
      `the profile does not allow these identifiers: ${breaches.map((breach) => breach.message).join('; ')}`,
      {
        subproblems: breaches.map((breach) => ({ type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: breach.message })),
      },
    );
  }
  return identifiers;
}

/** Which challenges an identifier is offered: wildcards only dns-01; IP addresses no dns-01 (RFC 8738). */
export function challengeTypesFor(id: Identifier): string[] {
  if (id.type === 'ip') return ['http-01', 'tls-alpn-01'];
  if (id.value.startsWith('*.')) return ['dns-01'];
  return ['http-01', 'dns-01', 'tls-alpn-01'];
}
