import { Inject, Injectable } from '@nestjs/common';
import { DigestRpc, LifecycleRpc, NotificationRpc } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { LeaseService } from '../loops/lease.service';
import { buildDigestContent, digestAlert, digestCounts, digestDateFor, failedSince } from './digest-content';
import { DigestRepository } from './digest.repository';

const sent = counter('certctl_scheduler_digests_sent_total', 'Daily digests handed to the notifications service');

/** A claim older than this whose holder never marked the day sent (it died) may be taken over. */
export const DIGEST_CLAIM_STALE_MS = 10 * 60000;

/**
 * The daily digest: once the configured hour (UTC) has come, the first run of the day
 * gathers the counts and first items from the services that own them and sends one
 * `digest` alert through the notifications service; later runs that day do nothing.
 */
@Injectable()
export class DigestService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly ledger: DigestRepository,
    private readonly lease: LeaseService,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async run(now = new Date()): Promise<{ sent: number; notifications?: number }> {
    const date = digestDateFor(now, this.config.CERTCTL_DIGEST_HOUR_UTC);
    if (!date || !(await this.ledger.claim(date, this.lease.holder, DIGEST_CLAIM_STALE_MS))) return { sent: 0 };
    try {
      const limit = this.config.CERTCTL_DIGEST_LIST_LIMIT;
      const [stats, items, counts, dead] = await Promise.all([
        this.rpc.request(LifecycleRpc.statsSummary, {}),
        this.rpc.request(DigestRpc.items, { limit, failed_since: failedSince(now).toISOString(), expiring_within_days: 30 }),
        this.rpc.request(NotificationRpc.counts, {}),
        this.rpc.request(NotificationRpc.list, { status: 'dead', limit }),
      ]);
      const content = buildDigestContent({ date, now, stats, items, dead: { count: counts.by_status.dead ?? 0, items: dead.data } });
      const r = await this.rpc.request(NotificationRpc.dispatch, { alerts: [digestAlert(content)] });
      await this.ledger.markSent(date, this.lease.holder, r.created, digestCounts(content));
      sent.inc();
      if (r.created === 0 && r.duplicates === 0) getLogger().info({ date }, 'digest built, but no routing rule selects the digest event');
      return { sent: 1, notifications: r.created };
    } catch (err) {
      await this.ledger.release(date, this.lease.holder).catch(() => undefined);
      throw err;
    }
  }
}
