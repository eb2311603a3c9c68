import { Inject, Injectable, Optional } from '@nestjs/common';
import { type DueHealthCheck, InventoryHealthCheck, type ProbeOutcome } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type TlsEndpoint, probeTlsEndpoint } from '@certctl/platform';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

/** At most this many claim → probe → record rounds per run, so one run cannot last forever. */
const MAX_ROUNDS = 10;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Provider token of the probe (tests replace the TLS handshake). */
export const HEALTH_PROBER = Symbol('HEALTH_PROBER');

/** Runs `work` over `items` with at most `limit` running at once, keeping the order of the results. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The scheduler's two health-check loops. `health-checks`: claims due checks from inventory (the
 * claim moves their next_check_at on under row locks that skip locked rows, so replicas never
 * probe one check twice in an interval), probes them with bounded concurrency (TLS handshakes with
 * SNI), and sends the results back to inventory, which applies the state machine. `health-retention`:
 * deletes results older than the retention in batches.
 */
@Injectable()
export class HealthProbeService {
  private readonly probe: (endpoint: TlsEndpoint) => Promise<ProbeOutcome>;

  constructor(
    private readonly rpc: RpcClient,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Optional() @Inject(HEALTH_PROBER) probe?: (endpoint: TlsEndpoint) => Promise<ProbeOutcome>,
  ) {
    this.probe = probe ?? probeTlsEndpoint;
  }

  async runDue(): Promise<{ probed: number; transitions: number }> {
    const batch = this.config.CERTCTL_HEALTH_CHECK_BATCH_SIZE;
    let probed = 0;
    let transitions = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { checks } = await this.rpc.request(InventoryHealthCheck.claimDue, { limit: batch });
      if (!checks.length) break;
      const results = await mapBounded(checks, this.config.CERTCTL_HEALTH_CHECK_CONCURRENCY, (check) => this.probeOne(check));
      const recorded = await this.rpc.request(InventoryHealthCheck.record, { results }, { timeoutMs: 60000 });
      probed += recorded.recorded;
      transitions += recorded.transitions;
      if (checks.length < batch) break;
    }
    return { probed, transitions };
  }

  async prune(): Promise<{ deleted: number }> {
    const before = new Date(Date.now() - this.config.CERTCTL_HEALTH_CHECK_RETENTION_DAYS * DAY_MS).toISOString();
    const batchSize = this.config.CERTCTL_HEALTH_CHECK_PRUNE_BATCH_SIZE;
    let deleted = 0;
    for (;;) {
      const round = await this.rpc.request(InventoryHealthCheck.pruneResults, { before, batch_size: batchSize }, { timeoutMs: 60000 });
      deleted += round.deleted;
      if (round.deleted < batchSize) return { deleted };
    }
  }

  private async probeOne(check: DueHealthCheck) {
    const outcome = await this.probe({ host: check.host, port: check.port, sni: check.sni, timeoutMs: check.timeout_ms });
    return { check_id: check.id, ...outcome };
  }
}
