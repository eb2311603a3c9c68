import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import * as acme from 'acme-client';
import type { Redis } from 'ioredis';
import { type RevocationReason, acmeHttp01RedisKey, reasonCode } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { createRedisClient } from '@certctl/platform';
import type { z } from 'zod';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { IssuerRepository } from '../issuers/issuer.repository';
import { IssuedCertificateRepository } from '../issuing/issued-certificate.repository';
import { type AcmeConfig, acmeConfigSchema } from './acme-config';
import { newOrder, replacesId } from './acme-order';
import { type Session, ariCertId, openSession, orderIdentifiers, problemOf, step } from './acme-session';
import {
  type Connector,
  ConnectorError,
  type HealthResult,
  type IssueRequest,
  type IssuedLeaf,
  type IssuerContext,
  type RevokeRequest,
} from './connector';
import { ConnectorRegistry } from './connector-registry';
import { DEFAULT_PATH, checkOutput } from './connector-support';
import { exitError, runScript } from './run-script';

export type { AcmeConfig } from './acme-config';
export { ariCertId, classify } from './acme-session';

/** A dns-01 TXT record to publish for one identifier. */
interface Dns01Record {
  identifier: string;
  record_name: string;
  value: string;
}

/**
 * The issuance service as an RFC 8555 client of an external ACME CA (Let's Encrypt, this
 * platform's own ACME server, …): newOrder for the CSR's names, each authorization solved by
 * dns-01 through operator hook scripts or http-01 answered by the platform, finalize with the
 * request's CSR (the key stays where it was made). The account key is made on first use and
 * kept in the issuer's encrypted config. Contract: docs/connectors.md.
 */
@Injectable()
export class AcmeConnector implements Connector<AcmeConfig>, OnApplicationShutdown {
  readonly type = 'acme' as const;
  readonly configSchema: z.ZodType<AcmeConfig>;
  readonly secretFields: readonly string[] = ['eab', 'account_key_pem'];
  private redis?: Redis;

  constructor(
    private readonly issuers: IssuerRepository,
    private readonly issued: IssuedCertificateRepository,
    private readonly moduleRef: ModuleRef,
    @Inject(ISSUANCE_CONFIG) private readonly config: IssuanceConfig,
  ) {
    this.configSchema = acmeConfigSchema(config.CERTCTL_ACME_CONNECTOR_ALLOW_HTTP) as z.ZodType<AcmeConfig>;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }

  async issue(issuer: IssuerContext<AcmeConfig>, request: IssueRequest): Promise<IssuedLeaf> {
    const csrPem = await request.csrPem();
    const identifiers = await orderIdentifiers(csrPem);
    const session = await this.session(issuer);
    const profile = issuer.config.profile;
    const log = getLogger().child({ issuer_id: issuer.id, job_id: request.jobId });
    const replaces = await replacesId(session, issuer, request);
    const order = await newOrder(session, { identifiers, ...(profile ? { profile } : {}) }, replaces, log);
    const authorizations = await step(session, 'fetching the authorizations', () => session.client.getAuthorizations(order));
    for (const authz of authorizations) {
      if (authz.status !== 'valid') await this.authorize(issuer, session, authz, log);
    }
    const finalized = await step(session, 'finalize', () => session.client.finalizeOrder(order, csrPem));
    const pem = await step(session, 'the certificate download', () => session.client.getCertificate(finalized));
    const leaf = await checkOutput(pem, request, 'the ACME CA');
    log.info({ serial: leaf.serialNumber, order: order.url }, 'certificate issued by the ACME CA');
    return leaf;
  }

  renew(issuer: IssuerContext<AcmeConfig>, request: IssueRequest): Promise<IssuedLeaf> {
    return this.issue(issuer, request);
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

  /** Solves one pending authorization with the issuer's challenge type, then removes the answer. */
  private async authorize(
    issuer: IssuerContext<AcmeConfig>,
    session: Session,
    authz: acme.Authorization,
    log: ReturnType<typeof getLogger>,
  ): Promise<void> {
    const challengeType = issuer.config.challenge;
    const name = `${authz.wildcard ? '*.' : ''}${authz.identifier.value}`;
    const challenge = authz.challenges.find((ch) => ch.type === challengeType);
    if (!challenge) {
      const offered = authz.challenges.map((ch) => ch.type).join(', ') || 'none';
      throw ConnectorError.terminal(`the ACME CA offers no ${challengeType} challenge for ${name} (offered: ${offered})`);
    }
    const keyAuthorization = await session.client.getChallengeKeyAuthorization(challenge);
    const cleanup = await this.present(issuer, authz.identifier.value, challenge, keyAuthorization);
    try {
      await step(session, `the ${challengeType} challenge for ${name}`, async () => {
        await session.client.completeChallenge(challenge);
        await session.client.waitForValidStatus(challenge);
      });
    } finally {
      await cleanup().catch((err: unknown) => log.warn({ err: (err as Error).message, name }, 'ACME challenge cleanup failed'));
    }
  }

  /** Publishes the answer to one challenge; returns how to remove it. */
  private async present(
    issuer: IssuerContext<AcmeConfig>,
    identifier: string,
    challenge: { type: string; token: string },
    keyAuthorization: string,
  ): Promise<() => Promise<void>> {
    const config = issuer.config;
    if (challenge.type === 'http-01') {
      if (!/^[A-Za-z0-9_-]{16,256}$/.test(challenge.token)) throw ConnectorError.terminal('the ACME CA sent a malformed http-01 token');
      const key = acmeHttp01RedisKey(challenge.token);
      this.redis ??= createRedisClient(this.config.REDIS_URL, 'staging');
      try {
        await this.redis.set(key, keyAuthorization, 'EX', config.http01_ttl_seconds);
      } catch (err) {
        throw ConnectorError.retryable(`cannot store the http-01 answer: ${(err as Error).message}`, err);
      }
      return async () => void (await this.redis!.del(key));
    }
    const hook = config.dns_hook!;
    const record = { identifier, record_name: `_acme-challenge.${identifier}.`, value: keyAuthorization };
    await this.runHook(issuer, 'present', hook.present, hook.timeout_ms, record);
    if (hook.propagation_delay_ms) await sleep(hook.propagation_delay_ms);
    const cleanup = hook.cleanup;
    return async () => {
      if (cleanup) await this.runHook(issuer, 'cleanup', cleanup, hook.timeout_ms, record);
    };
  }

  /** A dns-01 hook: the record on stdin (JSON) and in fixed environment variables, never in argv. */
  private async runHook(
    issuer: IssuerContext<AcmeConfig>,
    operation: 'present' | 'cleanup',
    [executable, ...args]: readonly string[],
    timeoutMs: number,
    record: Dns01Record,
  ): Promise<void> {
    const out = await runScript({
      executable: executable!,
      args,
      env: {
        PATH: DEFAULT_PATH,
        LANG: 'C',
        CERTCTL_OPERATION: operation,
        CERTCTL_ISSUER_ID: issuer.id,
        CERTCTL_ACME_IDENTIFIER: record.identifier,
        CERTCTL_ACME_RECORD_NAME: record.record_name,
        CERTCTL_ACME_RECORD_VALUE: record.value,
      },
      stdin: `${JSON.stringify({ operation, ...record })}\n`,
      timeoutMs,
      maxOutputBytes: 64 * 1024,
    });
    if (out.code !== 0) throw exitError(out, `the dns-01 ${operation} hook`);
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
