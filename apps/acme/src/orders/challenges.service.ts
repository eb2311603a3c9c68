import { Inject, Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import type { AcmeAccountRow } from '../accounts/accounts.service';
import { AcmeError } from '../protocol/errors';
import type { AcmeRateLimits } from '../protocol/rate-limits';
import { ChallengeValidator, type ChallengeType, type ValidationResult } from '../validation';
import { type ChallengeRow, ordersTotal } from './orders.service';

/**
 * A challenge response (RFC 8555 §7.5.1) is validated before the POST is answered, so a
 * client polling afterwards sees the outcome on its first poll. The pending → processing
 * claim is one conditional UPDATE: replicas never validate one challenge twice.
 */
@Injectable()
export class ChallengesService {
  readonly validator: ChallengeValidator;

  constructor(
    private readonly db: PrismaService,
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
    const c = await this.db.acmeChallenge.findUnique({ where: { id }, include: { authorization: true } });
    if (!c) throw new AcmeError('malformed', `no challenge ${id}`, { status: 404 });
    const authz = c.authorization;
    if (authz.accountId !== account.id) throw new AcmeError('unauthorized', 'the challenge belongs to another account');
    if (c.status !== 'pending' || authz.status !== 'pending') return { challenge: c, authzId: authz.id };
    if (authz.expiresAt.getTime() <= Date.now()) throw new AcmeError('malformed', 'the authorization has expired');
    await limits.take('challenges', account.id);
    const claimed = await this.db.acmeChallenge.updateMany({ where: { id, status: 'pending' }, data: { status: 'processing' } });
    if (claimed.count !== 1) return { challenge: (await this.db.acmeChallenge.findUnique({ where: { id } }))!, authzId: authz.id };

    let result: ValidationResult;
    try {
      result = await this.validator.validate({
        type: c.type as ChallengeType,
        identifier: {
          type: authz.identifierType as 'dns' | 'ip',
          value: authz.wildcard ? `*.${authz.identifierValue}` : authz.identifierValue,
        },
        token: c.token,
        keyAuthorization: `${c.token}.${account.keyThumbprint}`,
      });
    } catch (err) {
      result = { ok: false, problem: { type: 'connection', detail: `validation failed: ${(err as Error).message}` }, validationRecord: [] };
    }
    let row: ChallengeRow | undefined;
    const now = new Date();
    const record = result.validationRecord as unknown as Prisma.InputJsonValue;
    if (result.ok) {
      await this.db.$transaction(async (tx) => {
        // Authorizations of one order validated side by side: the order row serializes them, so
        // the last one to finish sees every other authorization valid and makes the order ready.
        await tx.$queryRaw`SELECT id FROM acme_orders WHERE id = ${authz.orderId} FOR UPDATE`;
        row = await tx.acmeChallenge.update({
          where: { id },
          data: { status: 'valid', validatedAt: now, validationRecord: record, error: Prisma.DbNull },
        });
        await tx.acmeAuthorization.update({ where: { id: authz.id }, data: { status: 'valid' } });
        const open = await tx.acmeAuthorization.count({ where: { orderId: authz.orderId, status: { not: 'valid' } } });
        if (open === 0) {
          const ready = await tx.acmeOrder.updateMany({ where: { id: authz.orderId, status: 'pending' }, data: { status: 'ready' } });
          if (ready.count) ordersTotal.inc({ status: 'ready' });
        }
      });
    } else {
      const error = { type: `urn:ietf:params:acme:error:${result.problem.type}`, detail: result.problem.detail, status: 400 };
      await this.db.$transaction(async (tx) => {
        // Authorizations of one order validated side by side: the order row serializes them, so
        // the last one to finish sees every other authorization valid and makes the order ready.
        await tx.$queryRaw`SELECT id FROM acme_orders WHERE id = ${authz.orderId} FOR UPDATE`;
        row = await tx.acmeChallenge.update({ where: { id }, data: { status: 'invalid', error, validationRecord: record } });
        await tx.acmeAuthorization.update({ where: { id: authz.id }, data: { status: 'invalid' } });
        const invalid = await tx.acmeOrder.updateMany({
          where: { id: authz.orderId, status: { in: ['pending', 'ready'] } },
          data: {
            status: 'invalid',
            error: {
              type: 'urn:ietf:params:acme:error:compound',
              detail: `the ${c.type} challenge for ${authz.identifierValue} failed`,
              subproblems: [{ ...error, identifier: { type: authz.identifierType, value: authz.identifierValue } }],
            },
          },
        });
        if (invalid.count) ordersTotal.inc({ status: 'invalid' });
      });
      getLogger().info(
        { challenge_id: id, type: c.type, identifier: authz.identifierValue, problem: result.problem },
        'ACME challenge failed',
      );
    }
    return { challenge: row!, authzId: authz.id };
  }
}
