import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import * as acme from 'acme-client';
import { type RevocationReason, reasonCode } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import type { z } from 'zod';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { IssuerRepository } from '../issuers/issuer.repository';
import { IssuedCertificateRepository } from '../issuing/issued-certificate.repository';
import { AcmeChallengeAnswers } from './acme-challenges';
import { type AcmeConfig, acmeConfigSchema } from './acme-config';
import { newOrder, replacesId } from './acme-order';
import { authorizationName, nextStep } from './acme-progress';
import { type Session, ariCertId, openSession, orderIdentifiers, problemOf, step } from './acme-session';
import {
  type Connector,
  ConnectorError,
  type HealthResult,
  type IssueOutcome,
  type IssueRequest,
  type IssuerContext,
  type PollRequest,
  type RevokeRequest,
} from './connector';
import { ConnectorRegistry } from './connector-registry';
import { checkOutput } from './connector-support';

export type { AcmeConfig } from './acme-config';
export { ariCertId, classify } from './acme-session';

/**
 * The issuance service as an RFC 8555 client of an external ACME CA (Let's Encrypt, this
 * platform's own ACME server, Pebble, …): newOrder for the CSR's names, each authorization
 * answered by dns-01 through operator hook scripts or http-01 served by the platform, finalize
 * with the request's CSR (the key stays where it was made). A CA slower than `inline_wait_ms`
 * leaves the job awaiting_ca with the order URL, moved on by `poll`. The account key is made on first use and
 * kept in the issuer's encrypted config. Contract: docs/connectors.md.
 */
@Injectable()
export class AcmeConnector implements Connector<AcmeConfig>, OnApplicationShutdown {
  readonly type = 'acme' as const;
  readonly configSchema: z.ZodType<AcmeConfig>;
  readonly secretFields: readonly string[] = ['eab', 'account_key_pem'];
  private readonly answers: AcmeChallengeAnswers;

  constructor(
    private readonly issuers: IssuerRepository,
    private readonly issued: IssuedCertificateRepository,
    private readonly moduleRef: ModuleRef,
    @Inject(ISSUANCE_CONFIG) config: IssuanceConfig,
  ) {
    this.configSchema = acmeConfigSchema(config.CERTCTL_ACME_CONNECTOR_ALLOW_HTTP) as z.ZodType<AcmeConfig>;
    this.answers = new AcmeChallengeAnswers(config.REDIS_URL);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.answers.close();
  }

  /**
   * newOrder, the challenges answered, then up to `inline_wait_ms` spent waiting for the CA: a
   * CA that validates and issues within it gives the leaf at once; a slower one a pending order
   * (the order URL) that the issuance service polls without holding a worker.
   */
  async issue(issuer: IssuerContext<AcmeConfig>, request: IssueRequest): Promise<IssueOutcome> {
    const csrPem = await request.csrPem();
    const identifiers = await orderIdentifiers(csrPem);
    const session = await this.session(issuer);
    const profile = issuer.config.profile;
    const log = getLogger().child({ issuer_id: issuer.id, job_id: request.jobId });
    const replaces = await replacesId(session, issuer, request);
    const order = await newOrder(session, { identifiers, ...(profile ? { profile } : {}) }, replaces, log);
    return this.advance(issuer, session, order, request, issuer.config.inline_wait_ms, log);
  }

  renew(issuer: IssuerContext<AcmeConfig>, request: IssueRequest): Promise<IssueOutcome> {
    return this.issue(issuer, request);
  }

  /** A pending order, asked again: one step further (answer, finalize, download), or still pending. */
  async poll(issuer: IssuerContext<AcmeConfig>, request: PollRequest): Promise<IssueOutcome> {
    const session = await this.session(issuer);
    const log = getLogger().child({ issuer_id: issuer.id, job_id: request.jobId, order: request.orderId });
    const order = await step(session, 'the order', () => session.client.getOrder({ url: request.orderId } as acme.Order));
    return this.advance(issuer, session, order, request, 0, log);
  }

  /** revokeCert signed with the account key; an already revoked certificate is fine. */
  async revoke(issuer: IssuerContext<AcmeConfig>, request: RevokeRequest): Promise<void> {
    const issued = await this.issued.findBySerial(issuer.id, request.serialNumber);
    if (!issued) throw ConnectorError.terminal(`issuer ${issuer.id} has no certificate with serial ${request.serialNumber} to revoke`);
    const session = await this.session(issuer);
    const reason = reasonCode(request.reason as RevocationReason);
    try {
      await step(session, 'revokeCert', () =>
        session.client.revokeCertificate(issued.certificatePem, reason === undefined ? {} : { reason }),
      );
    } catch (err) {
      if (problemOf(session.trace)?.type?.endsWith(':alreadyRevoked')) return;
      throw err;
    }
  }

  /** The directory answers; with an account key, whether the CA still knows the account. */
  async healthCheck(issuer: IssuerContext<AcmeConfig>): Promise<HealthResult> {
    const config = issuer.config;
    const session = openSession(config, config.account_key_pem ?? (await newAccountKey()), config.account_url);
    let directory: Record<string, unknown>;
    try {
      directory = await step(session, 'the directory', () => session.http.getDirectory());
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
    const meta = (directory.meta ?? {}) as { externalAccountRequired?: boolean };
    const resources = Object.keys(directory).filter((k) => k !== 'meta').length;
    if (meta.externalAccountRequired && !config.eab && !config.account_key_pem) {
      return {
        ok: false,
        detail: `the directory answers (${resources} resources) but requires an external account binding: set config.eab`,
      };
    }
    if (!config.account_key_pem)
      return { ok: true, detail: `the directory answers (${resources} resources); no account yet: it is created on first issuance` };
    try {
      await step(session, 'the account lookup', () => session.client.createAccount({ onlyReturnExisting: true }));
      return { ok: true, detail: `the directory answers (${resources} resources); account ${session.client.getAccountUrl()} exists` };
    } catch (err) {
      return { ok: false, detail: `the directory answers but the account is not usable: ${(err as Error).message}` };
    }
  }

  /** ACME Renewal Information (RFC 9773): the CA's suggested renewal window, or null when it has none. */
  async renewalInfo(issuer: IssuerContext<AcmeConfig>, certificatePem: string): Promise<{ start: Date; end: Date } | null> {
    const config = issuer.config;
    const session = openSession(config, config.account_key_pem ?? (await newAccountKey()), config.account_url);
    const directory = await step(session, 'the directory', () => session.http.getDirectory());
    if (typeof directory.renewalInfo !== 'string') return null;
    const url = `${directory.renewalInfo.replace(/\/$/, '')}/${ariCertId(certificatePem)}`;
    const res = await step(session, 'renewalInfo', async () => {
      const answer = await session.http.request(url, 'get');
      if (answer.status >= 400) throw new Error(`renewalInfo answered ${answer.status}`);
      return answer;
    });
    const window = (res.data as { suggestedWindow?: { start?: string; end?: string } }).suggestedWindow;
    const start = new Date(window?.start ?? '');
    const end = new Date(window?.end ?? '');
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
      throw ConnectorError.retryable('renewalInfo has no valid suggestedWindow');
    return { start, end };
  }

  /** Moves the order on until it gives a leaf, fails, or `waitMs` has passed (then: pending). */
  private async advance(
    issuer: IssuerContext<AcmeConfig>,
    session: Session,
    current: acme.Order,
    request: Pick<IssueRequest, 'csrPem' | 'commonName' | 'sans' | 'publicKey' | 'jobId'>,
    waitMs: number,
    log: ReturnType<typeof getLogger>,
  ): Promise<IssueOutcome> {
    const deadline = Date.now() + waitMs;
    let order = current;
    for (;;) {
      const authorizations = order.status === 'valid' || order.status === 'processing' ? [] : await this.authorizations(session, order);
      const next = nextStep(order, authorizations, issuer.config.challenge);
      if (next.kind === 'download') {
        const pem = await step(session, 'the certificate download', () => session.client.getCertificate(order));
        const leaf = await checkOutput(pem, request, 'the ACME CA');
        log.info({ serial: leaf.serialNumber, order: order.url }, 'certificate issued by the ACME CA');
        return leaf;
      }
      if (next.kind === 'fail') {
        await this.withdrawAll(issuer, session, authorizations, log);
        throw ConnectorError.terminal(next.detail);
      }
      if (next.kind === 'answer') {
        for (const authz of next.authorizations) await this.answer(issuer, session, authz);
        // No time left to wait (inline_wait_ms 0, or a poll): the CA validates, the next poll looks.
        if (Date.now() >= deadline) return { pending: true, orderId: order.url, detail: 'challenges answered; the ACME CA validates them' };
      } else if (next.kind === 'finalize') {
        await this.withdrawAll(issuer, session, authorizations, log);
        const csrPem = await request.csrPem();
        order = await step(session, 'finalize', () => session.client.finalizeOrder(order, csrPem));
        continue;
      } else {
        const left = deadline - Date.now();
        if (left <= 0) return { pending: true, orderId: order.url, detail: next.detail };
        await sleep(Math.min(1000, left));
      }
      order = await step(session, 'the order', () => session.client.getOrder(order));
    }
  }

  private authorizations(session: Session, order: acme.Order): Promise<acme.Authorization[]> {
    return step(session, 'fetching the authorizations', () => session.client.getAuthorizations(order));
  }

  /** The issuer's challenge for `authz`, with its key authorization. */
  private async answerFor(issuer: IssuerContext<AcmeConfig>, session: Session, authz: acme.Authorization) {
    const challengeType = issuer.config.challenge;
    const challenge = authz.challenges.find((ch) => ch.type === challengeType);
    if (!challenge) {
      const offered = authz.challenges.map((ch) => ch.type).join(', ') || 'none';
      throw ConnectorError.terminal(
        `the ACME CA offers no ${challengeType} challenge for ${authorizationName(authz)} (offered: ${offered})`,
      );
    }
    const keyAuthorization = await session.client.getChallengeKeyAuthorization(challenge);
    return { challenge, answer: { identifier: authz.identifier.value, challenge, keyAuthorization } };
  }

  /** Publishes the answer and tells the CA to validate (RFC 8555 §7.5.1); the CA checks it in its own time. */
  private async answer(issuer: IssuerContext<AcmeConfig>, session: Session, authz: acme.Authorization): Promise<void> {
    const { challenge, answer } = await this.answerFor(issuer, session, authz);
    await this.answers.present(issuer, answer);
    await step(session, `the ${challenge.type} challenge for ${authorizationName(authz)}`, () =>
      session.client.completeChallenge(challenge),
    );
  }

  /** Removes every published answer once the CA is done with them; a failure here is only logged. */
  private async withdrawAll(
    issuer: IssuerContext<AcmeConfig>,
    session: Session,
    authorizations: acme.Authorization[],
    log: ReturnType<typeof getLogger>,
  ): Promise<void> {
    for (const authz of authorizations) {
      try {
        const { answer } = await this.answerFor(issuer, session, authz);
        await this.answers.withdraw(issuer, answer);
      } catch (err) {
        log.warn({ err: (err as Error).message, name: authorizationName(authz) }, 'ACME challenge cleanup failed');
      }
    }
  }

  /** A client with the issuer's account: made (and stored encrypted) on first use. */
  private async session(issuer: IssuerContext<AcmeConfig>): Promise<Session> {
    const config = issuer.config;
    if (config.account_key_pem && config.account_url) return openSession(config, config.account_key_pem, config.account_url);
    return this.issuers.transaction(
      async (tx) => {
        // One account per issuer, even when several jobs start at once.
        await this.issuers.lockAcmeAccount(issuer.id, tx);
        const registry = this.moduleRef.get(ConnectorRegistry, { strict: false });
        const current = (await registry.resolve(issuer.id)).issuer.config as AcmeConfig;
        if (current.account_key_pem && current.account_url) return openSession(current, current.account_key_pem, current.account_url);
        const key = current.account_key_pem ?? (await newAccountKey());
        const session = openSession(current, key);
        await step(session, 'newAccount', () =>
          session.client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${current.email}`] }),
        );
        const next: AcmeConfig = { ...current, account_key_pem: key, account_url: session.client.getAccountUrl() };
        await this.issuers.setConnectorConfig(
          issuer.id,
          registry.masked(this as Connector, next),
          Buffer.from(registry.seal(issuer.id, next)),
          tx,
        );
        getLogger().info({ issuer_id: issuer.id, account_url: next.account_url }, 'ACME account created');
        return session;
      },
      { maxWait: 60000, timeout: 120000 },
    );
  }
}

async function newAccountKey(): Promise<string> {
  return (await acme.crypto.createPrivateEcdsaKey()).toString();
}
