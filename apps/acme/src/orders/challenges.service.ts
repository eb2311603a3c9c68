import { Inject, Injectable } from '@nestjs/common';
import { getLogger } from '@certctl/observability';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import type { AcmeAccountRow } from '../accounts/accounts.repository';
import { AcmeError } from '../protocol/errors';
import type { AcmeRateLimits } from '../protocol/rate-limits';
import { ChallengeValidator, type ChallengeType, type ValidationResult } from '../validation';
import { AuthorizationsRepository, type ChallengeRow, type ChallengeWithAuthz } from './authorizations.repository';
import { UNFINALIZED_ORDER_STATUSES } from './order-state';
import { OrdersRepository } from './orders.repository';
import { ordersTotal } from './orders.service';

type Failure = Extract<ValidationResult, { ok: false }>;

/**
 * A challenge response (RFC 8555 §7.5.1) is validated before the POST is answered, so a
 * client polling afterwards sees the outcome on its first poll. The pending → processing
 * claim is one conditional UPDATE: replicas never validate one challenge twice.
 */
@Injectable()
export class ChallengesService {
  readonly validator: ChallengeValidator;

  constructor(
    private readonly authorizations: AuthorizationsRepository,
    private readonly orders: OrdersRepository,
    @Inject(ACME_CONFIG) config: AcmeConfig,
  ) {
    this.validator = new ChallengeValidator({
      http01Port: config.CERTCTL_ACME_HTTP01_PORT,
      tlsAlpn01Port: config.CERTCTL_ACME_TLSALPN01_PORT,
      dnsServer: config.CERTCTL_ACME_DNS_SERVER,
      allowPrivateAddresses: config.CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES,
      timeoutMs: config.CERTCTL_ACME_VALIDATION_TIMEOUT_MS,
      maxRedirects: 10,
      maxBodyBytes: 64 * 1024,
    });
  }

  async respond(id: string, account: AcmeAccountRow, limits: AcmeRateLimits): Promise<{ challenge: ChallengeRow; authzId: string }> {
    const challenge = await this.authorizations.findChallengeWithAuthz(id);
    if (!challenge) throw new AcmeError('malformed', `no challenge ${id}`, { status: 404 });
    const authz = challenge.authorization;
    if (authz.accountId !== account.id) throw new AcmeError('unauthorized', 'the challenge belongs to another account');
    if (challenge.status !== 'pending' || authz.status !== 'pending') return { challenge, authzId: authz.id };
    if (authz.expiresAt.getTime() <= Date.now()) throw new AcmeError('malformed', 'the authorization has expired');
    await limits.take('challenges', account.id);
    if (!(await this.authorizations.claimChallenge(id))) {
      return { challenge: (await this.authorizations.findChallenge(id))!, authzId: authz.id };
    }
    const result = await this.validate(challenge, account);
    const row = result.ok ? await this.recordSuccess(challenge, result) : await this.recordFailure(challenge, result);
    return { challenge: row, authzId: authz.id };
  }

  /** Runs the challenge's validation; a validator that throws is a connection problem. */
  private async validate(challenge: ChallengeWithAuthz, account: AcmeAccountRow): Promise<ValidationResult> {
    const authz = challenge.authorization;
    try {
      return await this.validator.validate({
        type: challenge.type as ChallengeType,
        identifier: {
          type: authz.identifierType as 'dns' | 'ip',
          value: authz.wildcard ? `*.${authz.identifierValue}` : authz.identifierValue,
        },
        token: challenge.token,
        keyAuthorization: `${challenge.token}.${account.keyThumbprint}`,
      });
    } catch (err) {
      return { ok: false, problem: { type: 'connection', detail: `validation failed: ${(err as Error).message}` }, validationRecord: [] };
    }
  }

  /**
   * The challenge and its authorization become valid; the last authorization of the order to
   * become valid makes the order ready. Authorizations of one order validated side by side are
   * serialized by the order row's lock, so the last one to finish sees every other one valid.
   */
  private recordSuccess(challenge: ChallengeWithAuthz, result: ValidationResult): Promise<ChallengeRow> {
    const authz = challenge.authorization;
    return this.orders.transaction(async (tx) => {
      await this.orders.lock(authz.orderId, tx);
      const { challenge: row, orderReady } = await this.authorizations.recordValidation(
        { challengeId: challenge.id, authorizationId: authz.id, orderId: authz.orderId },
        { validatedAt: new Date(), validationRecord: result.validationRecord },
        tx,
      );
      if (orderReady) ordersTotal.inc({ status: 'ready' });
      return row;
    });
  }

  /** The challenge, its authorization and its order become invalid, the order's error naming the failed identifier. */
  private async recordFailure(challenge: ChallengeWithAuthz, result: Failure): Promise<ChallengeRow> {
    const authz = challenge.authorization;
    const error = { type: `urn:ietf:params:acme:error:${result.problem.type}`, detail: result.problem.detail, status: 400 };
    const orderError = {
      type: 'urn:ietf:params:acme:error:compound',
      detail: `the ${challenge.type} challenge for ${authz.identifierValue} failed`,
      subproblems: [{ ...error, identifier: { type: authz.identifierType, value: authz.identifierValue } }],
    };
    const row = await this.orders.transaction(async (tx) => {
      await this.orders.lock(authz.orderId, tx);
      const updated = await this.authorizations.recordChallengeOutcome(
        challenge.id,
        'invalid',
        { validationRecord: result.validationRecord, error },
        tx,
      );
      await this.authorizations.transition(authz.id, ['pending'], 'invalid', tx);
      if (await this.orders.transition(authz.orderId, UNFINALIZED_ORDER_STATUSES, 'invalid', { error: orderError }, tx)) {
        ordersTotal.inc({ status: 'invalid' });
      }
      return updated;
    });
    getLogger().info(
      { challenge_id: challenge.id, type: challenge.type, identifier: authz.identifierValue, problem: result.problem },
      'ACME challenge failed',
    );
    return row;
  }
}
