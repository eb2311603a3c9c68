import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { REVOCATION_REASON_CODES, type RevocationReason, RevocationRpc } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger, registry } from '@certctl/observability';
import { CLOCK, type Clock, systemClock } from '@certctl/platform';
import { Histogram } from 'prom-client';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';
import { IssuerCache } from '../issuers/issuer-cache';
import { CrlEntryStaging } from './crl-entry-staging';
import { RevocationRepository } from '../revocations/revocation.repository';
import { CrlRepository, type CrlRow } from './crl.repository';

export interface PublishedCrl {
  issuerId: string;
  number: bigint;
  der: Buffer;
  etag: string;
  thisUpdate: Date;
  nextUpdate: Date;
}

const crlBuilds = counter('certctl_crl_builds_total', 'CRL builds by trigger and result', ['trigger', 'result']);
const crlBuildSeconds = new Histogram({
  name: 'certctl_crl_build_duration_seconds',
  help: 'Time to collect, sign (in issuance) and store one CRL',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [registry],
});
/** How long a replica trusts its in-memory copy before checking the database for a newer CRL. */
const FRESH_MS = 1000;
const KEEP_PER_ISSUER = 3;

/**
 * Per-issuer CRLs: built from the revocations table, signed by issuance, stored in `crls`
 * (the highest number is current) and served from memory. Builds for one issuer are
 * serialized across replicas by an advisory lock, so CRL numbers are strictly increasing;
 * revocations are coalesced (debounced) into one build, and a schedule refreshes CRLs
 * that are getting old.
 */
@Injectable()
export class CrlService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly current = new Map<string, { crl: PublishedCrl; checkedAt: number }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly building = new Map<string, Promise<PublishedCrl>>();
  private readonly dirty = new Set<string>();
  private ticker?: NodeJS.Timeout;

  constructor(
    private readonly crls: CrlRepository,
    private readonly revocations: RevocationRepository,
    private readonly rpc: RpcClient,
    private readonly issuers: IssuerCache,
    private readonly staging: CrlEntryStaging,
    @Inject(REVOCATION_CONFIG) private readonly config: RevocationConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.min(60_000, (this.config.CERTCTL_CRL_REFRESH_SECONDS * 1000) / 2);
    this.ticker = setInterval(() => void this.refreshStale().catch((err: unknown) => this.warn('schedule', err)), every);
    this.ticker.unref();
  }

  onApplicationShutdown(): void {
    if (this.ticker) clearInterval(this.ticker);
    for (const t of this.timers.values()) clearTimeout(t);
  }

  /** Asks for a rebuild soon; revocations arriving within the debounce window share it. */
  schedule(issuerId: string): void {
    if (this.timers.has(issuerId)) return;
    const t = setTimeout(() => {
      this.timers.delete(issuerId);
      void this.rebuild(issuerId, 'revocation').catch((err: unknown) => this.warn('revocation', err, issuerId));
    }, this.config.CERTCTL_CRL_DEBOUNCE_MS);
    t.unref();
    this.timers.set(issuerId, t);
  }

  /** The current CRL of a known issuer, built on first use. */
  async get(issuerId: string): Promise<PublishedCrl> {
    const hit = this.current.get(issuerId);
    const now = this.clock.nowMs();
    if (hit && now - hit.checkedAt < FRESH_MS && hit.crl.nextUpdate.getTime() > now) return hit.crl;
    const latest = await this.crls.latestNumber(issuerId);
    if (latest !== null && hit && latest === hit.crl.number && hit.crl.nextUpdate.getTime() > now) {
      hit.checkedAt = now;
      return hit.crl;
    }
    if (latest !== null) {
      const row = await this.crls.findByNumber(issuerId, latest);
      if (row && row.nextUpdate.getTime() > now) return this.remember(toPublished(row));
    }
    return this.rebuild(issuerId, 'on_demand');
  }

  /** One build at a time per issuer in this replica; a request during a build causes one more after it. */
  rebuild(issuerId: string, trigger: string): Promise<PublishedCrl> {
    const running = this.building.get(issuerId);
    if (running) {
      if (trigger === 'revocation') this.dirty.add(issuerId);
      return running;
    }
    const build = this.build(issuerId, trigger).finally(() => {
      this.building.delete(issuerId);
      if (this.dirty.delete(issuerId)) this.schedule(issuerId);
    });
    this.building.set(issuerId, build);
    return build;
  }

  private async build(issuerId: string, trigger: string): Promise<PublishedCrl> {
    const end = crlBuildSeconds.startTimer();
    try {
      await this.issuers.require(issuerId);
      const crl = await this.crls.withIssuerLock(issuerId, (tx) => this.publishNext(issuerId, tx));
      crlBuilds.inc({ trigger, result: 'ok' });
      getLogger().info({ issuer_id: issuerId, crl_number: crl.number.toString(), trigger }, 'CRL published');
      return this.remember(crl);
    } catch (err) {
      crlBuilds.inc({ trigger, result: 'error' });
      throw err;
    } finally {
      end();
    }
  }

  /** Under the issuer's lock: the next CRL number, its entries, signed in issuance, stored; old CRLs pruned. */
  private async publishNext(issuerId: string, tx: Prisma.TransactionClient): Promise<PublishedCrl> {
    const number = ((await this.crls.latestNumber(issuerId, tx)) ?? 0n) + 1n;
    const thisUpdate = new Date(Math.floor(this.clock.nowMs() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.config.CERTCTL_CRL_VALIDITY_SECONDS * 1000);
    const entries = (await this.revocations.listCrlEntries(issuerId, thisUpdate, tx)).map(toCrlEntry);
    const der = await this.sign(issuerId, number, thisUpdate, nextUpdate, entries);
    const etag = createHash('sha256').update(der).digest('base64url').slice(0, 32);
    const row = await this.crls.insert(
      { issuerId, number, thisUpdate, nextUpdate, der: new Uint8Array(der), etag, entries: entries.length },
      tx,
    );
    await this.crls.deleteUpTo(issuerId, number - BigInt(KEEP_PER_ISSUER), tx);
    return toPublished(row);
  }

  /** The DER of the CRL, signed by the issuer's CA in the issuance service. */
  private async sign(issuerId: string, number: bigint, thisUpdate: Date, nextUpdate: Date, entries: CrlEntry[]): Promise<Buffer> {
    const signed = await this.rpc.request(
      RevocationRpc.crlSign,
      {
        issuer_id: issuerId,
        crl_number: number.toString(),
        this_update: thisUpdate.toISOString(),
        next_update: nextUpdate.toISOString(),
        ...(await this.staging.pack(issuerId, number, entries)),
      },
      { timeoutMs: 60_000 },
    );
    return this.staging.unpack(signed);
  }

  /** Rebuilds every CRL whose thisUpdate is older than the refresh interval. */
  async refreshStale(): Promise<string[]> {
    const cutoff = new Date(this.clock.nowMs() - this.config.CERTCTL_CRL_REFRESH_SECONDS * 1000);
    const issuers = await this.crls.latestTimesPerIssuer();
    const rebuilt: string[] = [];
    for (const latest of issuers) {
      if (latest.thisUpdate && latest.thisUpdate < cutoff) {
        await this.rebuild(latest.issuerId, 'schedule').then(
          () => rebuilt.push(latest.issuerId),
          (err: unknown) => this.warn('schedule', err, latest.issuerId),
        );
      }
    }
    return rebuilt;
  }

  private remember(crl: PublishedCrl): PublishedCrl {
    const hit = this.current.get(crl.issuerId);
    if (!hit || hit.crl.number <= crl.number) this.current.set(crl.issuerId, { crl, checkedAt: this.clock.nowMs() });
    return this.current.get(crl.issuerId)!.crl;
  }

  private warn(trigger: string, err: unknown, issuerId?: string): void {
    getLogger().warn({ issuer_id: issuerId, trigger, err: (err as Error).message }, 'CRL build failed');
  }
}

/** One CRL entry: serial (hex), revocation time (Unix seconds), reason code. */
type CrlEntry = [string, number, number];

function toCrlEntry(row: { serialNumber: string; revokedAt: Date; reason: string }): CrlEntry {
  return [row.serialNumber, Math.floor(row.revokedAt.getTime() / 1000), REVOCATION_REASON_CODES[row.reason as RevocationReason] ?? 0];
}

function toPublished(row: CrlRow): PublishedCrl {
  return {
    issuerId: row.issuerId,
    number: row.number,
    der: Buffer.from(row.der),
    etag: row.etag,
    thisUpdate: row.thisUpdate,
    nextUpdate: row.nextUpdate,
  };
}
