import { X509Certificate } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import * as x509 from '@peculiar/x509';
import * as acme from 'acme-client';
import type { Redis } from 'ioredis';
import { type RevocationReason, acmeHttp01RedisKey, reasonCode } from '@certctl/contracts';
import { Prisma, PrismaService } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { parseCsr } from '@certctl/pki';
import { createRedisClient } from '@certctl/platform';
import { z } from 'zod';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
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
import { exitError, runScript } from './run-script';
import { DEFAULT_PATH, argSchema, checkOutput, executableSchema } from './script.connector';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** A hook command: an absolute executable then fixed arguments (never request data). */
const hookCommandSchema = z
  .tuple([executableSchema], argSchema)
  .refine((c) => c.length <= 64, 'at most 64 elements')
  .describe('[absolute executable, ...fixed arguments]');

function acmeConfigSchema(allowHttp: boolean) {
  return z
    .strictObject({
      directory_url: z
        .url()
        .max(2048)
        .refine(
          (u) => {
            const protocol = new URL(u).protocol;
            return protocol === 'https:' || (allowHttp && protocol === 'http:');
          },
          `must be an https URL${allowHttp ? ' (or http)' : ' (RFC 8555)'}`,
        )
        .describe("The CA's directory, e.g. https://acme-v02.api.letsencrypt.org/directory or https://<platform>/acme/directory"),
      email: z.email().max(254).describe('Account contact (mailto:)'),
      eab: z
        .strictObject({
          kid: z.string().min(1).max(512),
          hmac_key: z
            .string()
            .min(16)
            .max(1024)
            .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url'),
        })
        .optional()
        .describe('External account binding (secret: masked in answers)'),
      challenge: z.enum(['dns-01', 'http-01']).default('dns-01'),
      dns_hook: z
        .strictObject({
          present: hookCommandSchema,
          cleanup: hookCommandSchema.optional(),
          timeout_ms: z.number().int().min(100).max(300000).default(30000),
          propagation_delay_ms: z
            .number()
            .int()
            .min(0)
            .max(600000)
            .default(0)
            .describe('Wait after present before the CA is asked to validate'),
        })
        .optional()
        .describe('dns-01: operator scripts that publish and remove the TXT record'),
      http01_ttl_seconds: z.number().int().min(30).max(86400).default(3600).describe('How long a token is served (http-01)'),
      ca_bundle_pem: z
        .string()
        .max(256 * 1024)
        .refine(isCertificateBundle, 'must be one or more PEM certificates')
        .optional()
        .describe('Trust these CAs for the directory (a private ACME CA, e.g. this platform)'),
      profile: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/)
        .optional()
        .describe('Certificate profile requested in newOrder (CAs that support ACME profiles); or use a profile directory URL'),
      order_timeout_ms: z.number().int().min(1000).max(600000).default(120000).describe('How long to wait for a challenge or the order'),
      account_key_pem: z.string().max(16384).optional().describe('The ACME account key; generated on first use, secret'),
      account_url: z.url().optional().describe('The account URL, recorded when the account is created'),
    })
    .superRefine((c, ctx) => {
      if (c.challenge === 'dns-01' && !c.dns_hook) ctx.addIssue({ code: 'custom', path: ['dns_hook'], message: 'is required for dns-01' });
    });
}
export type AcmeConfig = z.output<ReturnType<typeof acmeConfigSchema>>;

type Problem = { type?: string; detail?: string; status?: number; subproblems?: Problem[] };
/** Problem types worth another attempt later (RFC 8555 §6.7); every other refusal is final. */
const RETRYABLE_PROBLEMS = new Set(['rateLimited', 'serverInternal', 'badNonce']);

/** What the last HTTP exchange of a session said, so a failure can be classified by the CA's problem type. */
interface Trace {
  status?: number;
  body?: unknown;
  network?: string;
}

interface Session {
  client: acme.Client;
  trace: Trace;
  http: {
    getDirectory(): Promise<Record<string, unknown>>;
    request(url: string, method: string): Promise<{ status: number; data: unknown }>;
  };
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
    private readonly db: PrismaService,
    private readonly moduleRef: ModuleRef,
    @Inject(ISSUANCE_CONFIG) private readonly config: IssuanceConfig,
  ) {
    this.configSchema = acmeConfigSchema(config.CERTCTL_ACME_CONNECTOR_ALLOW_HTTP) as z.ZodType<AcmeConfig>;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }

  async issue(issuer: IssuerContext<AcmeConfig>, r: IssueRequest): Promise<IssuedLeaf> {
    const csrPem = await r.csrPem();
    const identifiers = await orderIdentifiers(csrPem);
    const s = await this.session(issuer);
    const c = issuer.config;
    const log = getLogger().child({ issuer_id: issuer.id, job_id: r.jobId });
    const order = await step(s, 'newOrder', () => s.client.createOrder({ identifiers, ...(c.profile ? { profile: c.profile } : {}) }));
    const authorizations = await step(s, 'fetching the authorizations', () => s.client.getAuthorizations(order));
    for (const authz of authorizations) {
      if (authz.status === 'valid') continue;
      const name = `${authz.wildcard ? '*.' : ''}${authz.identifier.value}`;
      const challenge = authz.challenges.find((ch) => ch.type === c.challenge);
      if (!challenge) {
        const offered = authz.challenges.map((ch) => ch.type).join(', ') || 'none';
        throw ConnectorError.terminal(`the ACME CA offers no ${c.challenge} challenge for ${name} (offered: ${offered})`);
      }
      const keyAuthorization = await s.client.getChallengeKeyAuthorization(challenge);
      const cleanup = await this.present(issuer, authz.identifier.value, challenge, keyAuthorization);
      try {
        await step(s, `the ${c.challenge} challenge for ${name}`, async () => {
          await s.client.completeChallenge(challenge);
          await s.client.waitForValidStatus(challenge);
        });
      } finally {
        await cleanup().catch((err: unknown) => log.warn({ err: (err as Error).message, name }, 'ACME challenge cleanup failed'));
      }
    }
    const finalized = await step(s, 'finalize', () => s.client.finalizeOrder(order, csrPem));
    const pem = await step(s, 'the certificate download', () => s.client.getCertificate(finalized));
    const leaf = await checkOutput(pem, r, 'the ACME CA');
    log.info({ serial: leaf.serialNumber, order: order.url }, 'certificate issued by the ACME CA');
    return leaf;
  }

  renew(issuer: IssuerContext<AcmeConfig>, r: IssueRequest): Promise<IssuedLeaf> {
    return this.issue(issuer, r);
  }

  /** revokeCert signed with the account key; an already revoked certificate is fine. */
  async revoke(issuer: IssuerContext<AcmeConfig>, r: RevokeRequest): Promise<void> {
    const issued = await this.db.issuedCertificate.findUnique({
      where: { issuerId_serialNumber: { issuerId: issuer.id, serialNumber: r.serialNumber } },
      select: { certificatePem: true },
    });
    if (!issued) throw ConnectorError.terminal(`issuer ${issuer.id} has no certificate with serial ${r.serialNumber} to revoke`);
    const s = await this.session(issuer);
    const reason = reasonCode(r.reason as RevocationReason);
    try {
      await step(s, 'revokeCert', () => s.client.revokeCertificate(issued.certificatePem, reason === undefined ? {} : { reason }));
    } catch (err) {
      if (problemOf(s.trace)?.type?.endsWith(':alreadyRevoked')) return;
      throw err;
    }
  }

  /** The directory answers; with an account key, whether the CA still knows the account. */
  async healthCheck(issuer: IssuerContext<AcmeConfig>): Promise<HealthResult> {
    const c = issuer.config;
    const s = this.client(c, c.account_key_pem ?? (await acme.crypto.createPrivateEcdsaKey()).toString(), c.account_url);
    let directory: Record<string, unknown>;
    try {
      directory = await step(s, 'the directory', () => s.http.getDirectory());
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
    const meta = (directory.meta ?? {}) as { externalAccountRequired?: boolean };
    const resources = Object.keys(directory).filter((k) => k !== 'meta').length;
    if (meta.externalAccountRequired && !c.eab && !c.account_key_pem) {
      return {
        ok: false,
        detail: `the directory answers (${resources} resources) but requires an external account binding: set config.eab`,
      };
    }
    if (!c.account_key_pem)
      return { ok: true, detail: `the directory answers (${resources} resources); no account yet: it is created on first issuance` };
    try {
      await step(s, 'the account lookup', () => s.client.createAccount({ onlyReturnExisting: true }));
      return { ok: true, detail: `the directory answers (${resources} resources); account ${s.client.getAccountUrl()} exists` };
    } catch (err) {
      return { ok: false, detail: `the directory answers but the account is not usable: ${(err as Error).message}` };
    }
  }

  /** ACME Renewal Information (RFC 9773): the CA's suggested renewal window, or null when it has none. */
  async renewalInfo(issuer: IssuerContext<AcmeConfig>, certificatePem: string): Promise<{ start: Date; end: Date } | null> {
    const c = issuer.config;
    const s = this.client(c, c.account_key_pem ?? (await acme.crypto.createPrivateEcdsaKey()).toString(), c.account_url);
    const directory = await step(s, 'the directory', () => s.http.getDirectory());
    if (typeof directory.renewalInfo !== 'string') return null;
    const url = `${directory.renewalInfo.replace(/\/$/, '')}/${ariCertId(certificatePem)}`;
    const res = await step(s, 'renewalInfo', async () => {
      const r = await s.http.request(url, 'get');
      if (r.status >= 400) throw new Error(`renewalInfo answered ${r.status}`);
      return r;
    });
    const window = (res.data as { suggestedWindow?: { start?: string; end?: string } }).suggestedWindow;
    const start = new Date(window?.start ?? '');
    const end = new Date(window?.end ?? '');
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
      throw ConnectorError.retryable('renewalInfo has no valid suggestedWindow');
    return { start, end };
  }

  /** Publishes the answer to one challenge; returns how to remove it. */
  private async present(
    issuer: IssuerContext<AcmeConfig>,
    identifier: string,
    challenge: { type: string; token: string },
    keyAuthorization: string,
  ): Promise<() => Promise<void>> {
    const c = issuer.config;
    if (challenge.type === 'http-01') {
      if (!/^[A-Za-z0-9_-]{16,256}$/.test(challenge.token)) throw ConnectorError.terminal('the ACME CA sent a malformed http-01 token');
      const key = acmeHttp01RedisKey(challenge.token);
      this.redis ??= createRedisClient(this.config.REDIS_URL, 'staging');
      try {
        await this.redis.set(key, keyAuthorization, 'EX', c.http01_ttl_seconds);
      } catch (err) {
        throw ConnectorError.retryable(`cannot store the http-01 answer: ${(err as Error).message}`, err);
      }
      return async () => void (await this.redis!.del(key));
    }
    const hook = c.dns_hook!;
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
    record: { identifier: string; record_name: string; value: string },
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
    const c = issuer.config;
    if (c.account_key_pem && c.account_url) return this.client(c, c.account_key_pem, c.account_url);
    return this.db.$transaction(
      async (tx) => {
        // One account per issuer, even when several jobs start at once.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`acme-account:${issuer.id}`}))`;
        const registry = this.moduleRef.get(ConnectorRegistry, { strict: false });
        const current = (await registry.resolve(issuer.id)).issuer.config as AcmeConfig;
        if (current.account_key_pem && current.account_url) return this.client(current, current.account_key_pem, current.account_url);
        const key = current.account_key_pem ?? (await acme.crypto.createPrivateEcdsaKey()).toString();
        const s = this.client(current, key);
        await step(s, 'newAccount', () => s.client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${current.email}`] }));
        const next: AcmeConfig = { ...current, account_key_pem: key, account_url: s.client.getAccountUrl() };
        await tx.issuer.update({
          where: { id: issuer.id },
          data: {
            config: registry.masked(this as Connector, next) as Prisma.InputJsonValue,
            encryptedConfig: Buffer.from(registry.seal(issuer.id, next)),
          },
        });
        getLogger().info({ issuer_id: issuer.id, account_url: next.account_url }, 'ACME account created');
        return s;
      },
      { maxWait: 60000, timeout: 120000 },
    );
  }

  /**
   * An acme-client Client whose HTTP calls trust ca_bundle_pem, time out, are not retried
   * inside the library (the issuance queue retries with backoff) and leave a trace of the
   * last exchange for error classification.
   */
  private client(c: AcmeConfig, accountKey: string, accountUrl?: string): Session {
    const client = new acme.Client({
      directoryUrl: c.directory_url,
      accountKey,
      ...(accountUrl ? { accountUrl } : {}),
      ...(c.eab ? { externalAccountBinding: { kid: c.eab.kid, hmacKey: c.eab.hmac_key } } : {}),
      backoffAttempts: Math.max(3, Math.ceil(c.order_timeout_ms / 2000)),
      backoffMin: 250,
      backoffMax: 2000,
    });
    const agent = c.ca_bundle_pem ? new HttpsAgent({ ca: c.ca_bundle_pem, keepAlive: false }) : undefined;
    const trace: Trace = {};
    type RawHttp = Session['http'] & {
      request(url: string, method: string, opts?: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
    };
    const http = (client as unknown as { http: RawHttp }).http;
    const request = http.request.bind(http);
    http.request = async (url: string, method: string, opts: Record<string, unknown> = {}) => {
      Object.assign(opts, { timeout: 30000, maxContentLength: 1024 * 1024, retryAttempt: Number.MAX_SAFE_INTEGER - 1 });
      if (agent) opts.httpsAgent = agent;
      try {
        const res = await request(url, method, opts);
        Object.assign(trace, { status: res.status, body: res.data, network: undefined });
        return res;
      } catch (err) {
        // acme-client's retry interceptor loses the socket error (it fails on the missing response): name the origin.
        const e = err as { code?: string; response?: { status: number } };
        const network = `no response from ${new URL(url).origin}${e.code ? ` (${e.code})` : ''}`;
        Object.assign(trace, { status: e.response?.status, body: undefined, network });
        throw err;
      }
    };
    return { client, trace, http };
  }
}

/** Runs one protocol step; any failure becomes a ConnectorError classified by the CA's answer. */
async function step<T>(s: Session, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw classify(s.trace, what, err);
  }
}

/** The problem document of the last exchange: an error answer, or an invalid challenge/order's error. */
function problemOf(trace: Trace): Problem | undefined {
  const body = trace.body as { type?: unknown; status?: unknown; error?: Problem } | undefined;
  if (!body || typeof body !== 'object') return undefined;
  if ((trace.status ?? 0) >= 400 && typeof body.type === 'string') return body as Problem;
  if (body.status === 'invalid' && body.error && typeof body.error === 'object') return body.error;
  return undefined;
}

export function classify(trace: Trace, what: string, err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const message = (err as Error).message;
  if (trace.network) return ConnectorError.retryable(`the ACME CA is unreachable (${what}): ${trace.network}`, err);
  const problem = problemOf(trace);
  if (problem) {
    const type = (problem.type ?? 'unknown').replace('urn:ietf:params:acme:error:', '');
    const subs = (problem.subproblems ?? []).map((p) => `${p.type?.replace('urn:ietf:params:acme:error:', '') ?? ''}: ${p.detail ?? ''}`);
    const detail = [problem.detail, ...subs].filter(Boolean).join('; ');
    const text = `the ACME CA refused ${what}: ${type}: ${detail}`;
    const retryable = RETRYABLE_PROBLEMS.has(type) || (trace.status ?? 0) >= 500;
    return new ConnectorError(text, { retryable, cause: err });
  }
  if ((trace.status ?? 0) >= 500 || trace.status === 429) {
    return ConnectorError.retryable(`the ACME CA answered ${trace.status} (${what}): ${message}`, err);
  }
  // Timeouts while polling ("pending or processing") and anything unexplained: try again later.
  return ConnectorError.retryable(`ACME ${what} failed: ${message}`, err);
}

/** The order's identifiers: exactly the CSR's names (RFC 8555 §7.4: the CA checks they match). */
async function orderIdentifiers(csrPem: string): Promise<{ type: 'dns' | 'ip'; value: string }[]> {
  const csr = await parseCsr(csrPem);
  const names = [...new Set([...(csr.commonName ? [csr.commonName] : []), ...csr.sans].map((n) => n.toLowerCase()))];
  const unsupported = names.filter((n) => n.includes('@') || n.includes(':/'));
  if (unsupported.length)
    throw ConnectorError.terminal(`an ACME CA certifies DNS names and IP addresses only, not ${unsupported.join(', ')}`);
  if (!names.length) throw ConnectorError.terminal('the CSR names nothing to certify');
  return names.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }));
}

function isCertificateBundle(pem: string): boolean {
  const blocks = pem.match(PEM_CERT);
  if (!blocks) return false;
  try {
    for (const b of blocks) new X509Certificate(b);
    return true;
  } catch {
    return false;
  }
}

/** RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(the serial's DER INTEGER content bytes). */
export function ariCertId(certificatePem: string): string {
  const cert = new x509.X509Certificate(certificatePem);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  if (!aki) throw ConnectorError.terminal('the certificate has no authority key identifier: the CA cannot look up its renewal info');
  const hex = cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber;
  let serial = Buffer.from(hex, 'hex');
  if ((serial[0] ?? 0) & 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${Buffer.from(aki, 'hex').toString('base64url')}.${serial.toString('base64url')}`;
}
