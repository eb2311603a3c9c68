// Publishing and withdrawing the ACME connector's challenge answers: http-01 key authorizations
// in Redis (the gateway serves /.well-known/acme-challenge/<token> from there), dns-01 TXT
// records through the operator's hook scripts. Answers are withdrawn when the CA no longer needs
// them (the order is ready or has failed), which may be in a later poll than the one that
// published them: everything needed to withdraw is recomputed from the challenge.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { acmeHttp01RedisKey } from '@certctl/contracts';
import { createRedisClient } from '@certctl/platform';
import type { AcmeConfig } from './acme-config';
import { ConnectorError, type IssuerContext } from './connector';
import { DEFAULT_PATH } from './connector-support';
import { exitError, runScript } from './run-script';

/** A dns-01 TXT record to publish for one identifier. */
interface Dns01Record {
  identifier: string;
  record_name: string;
  value: string;
}

/** One challenge answer: the identifier it proves and what the CA fetches. */
export interface ChallengeAnswer {
  identifier: string;
  challenge: { type: string; token: string };
  keyAuthorization: string;
}

export class AcmeChallengeAnswers {
  private redis?: Redis;

  constructor(private readonly redisUrl: string) {}

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }

  /** Publishes the answer (an http-01 token stays for http01_ttl_seconds at most). */
  async present(issuer: IssuerContext<AcmeConfig>, answer: ChallengeAnswer): Promise<void> {
    const config = issuer.config;
    if (answer.challenge.type === 'http-01') {
      try {
        await this.client().set(http01Key(answer.challenge.token), answer.keyAuthorization, 'EX', config.http01_ttl_seconds);
      } catch (err) {
        throw ConnectorError.retryable(`cannot store the http-01 answer: ${(err as Error).message}`, err);
      }
      return;
    }
    const hook = config.dns_hook!;
    await this.runHook(issuer, 'present', hook.present, hook.timeout_ms, dnsRecord(answer));
    if (hook.propagation_delay_ms) await sleep(hook.propagation_delay_ms);
  }

  /** Removes a published answer; a dns-01 issuer without a cleanup hook leaves its record. */
  async withdraw(issuer: IssuerContext<AcmeConfig>, answer: ChallengeAnswer): Promise<void> {
    if (answer.challenge.type === 'http-01') {
      await this.client().del(http01Key(answer.challenge.token));
      return;
    }
    const hook = issuer.config.dns_hook!;
    if (hook.cleanup) await this.runHook(issuer, 'cleanup', hook.cleanup, hook.timeout_ms, dnsRecord(answer));
  }

  private client(): Redis {
    this.redis ??= createRedisClient(this.redisUrl, 'staging');
    return this.redis;
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
}

function http01Key(token: string): string {
  if (!/^[A-Za-z0-9_-]{16,256}$/.test(token)) throw ConnectorError.terminal('the ACME CA sent a malformed http-01 token');
  return acmeHttp01RedisKey(token);
}

function dnsRecord(answer: ChallengeAnswer): Dns01Record {
  return { identifier: answer.identifier, record_name: `_acme-challenge.${answer.identifier}.`, value: answer.keyAuthorization };
}
