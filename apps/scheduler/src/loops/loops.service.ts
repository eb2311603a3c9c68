import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AcmeRpc, type Alert, InventoryReissuance, NotificationRpc, RevocationRpc, SchedulerRpc } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { RenewalScanService } from '../renewal/renewal-scan.service';
import { DigestService } from '../digest/digest.service';
import { HealthProbeService } from '../health/health-probe.service';
import { NetworkScanService } from '../network-scan/network-scan.service';
import { LeaseService } from './lease.service';
import { LoopRunner } from './loop-runner';

export const LOOP_NAMES = [
  'renewal',
  'expiry-alerts',
  'expiry-status',
  'agent-offline',
  'job-reaper',
  'crl-refresh',
  'acme-gc',
  'digest',
  'health-checks',
  'health-retention',
  'network-scan',
  'reissuance',
] as const;
export type LoopName = (typeof LOOP_NAMES)[number];

/** Starts the enabled loops; each runs on the replica holding its lease. */
@Injectable()
export class LoopsService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly runners = new Map<LoopName, LoopRunner>();

  constructor(
    private readonly scan: RenewalScanService,
    private readonly rpc: RpcClient,
    private readonly lease: LeaseService,
    private readonly digest: DigestService,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly health?: HealthProbeService,
    private readonly networkScan?: NetworkScanService,
  ) {
    const c = config;
    const loops: Record<LoopName, { intervalMs: number; run: () => Promise<Record<string, unknown>> }> = {
      renewal: { intervalMs: c.CERTCTL_SCHEDULER_RENEWAL_INTERVAL_MS, run: () => this.scan.renewalScan() },
      'expiry-alerts': { intervalMs: c.CERTCTL_SCHEDULER_EXPIRY_ALERT_INTERVAL_MS, run: () => this.scan.expiryAlertScan() },
      'expiry-status': { intervalMs: c.CERTCTL_SCHEDULER_EXPIRY_STATUS_INTERVAL_MS, run: () => this.expiryStatus() },
      'agent-offline': { intervalMs: c.CERTCTL_SCHEDULER_AGENT_OFFLINE_INTERVAL_MS, run: () => this.agentOffline() },
      'job-reaper': { intervalMs: c.CERTCTL_SCHEDULER_JOB_REAPER_INTERVAL_MS, run: () => this.reapJobs() },
      'crl-refresh': { intervalMs: c.CERTCTL_SCHEDULER_CRL_REFRESH_INTERVAL_MS, run: () => this.refreshCrls() },
      'acme-gc': { intervalMs: c.CERTCTL_SCHEDULER_ACME_GC_INTERVAL_MS, run: () => this.rpc.request(AcmeRpc.gc, {}, { timeoutMs: 60000 }) },
      digest: { intervalMs: c.CERTCTL_DIGEST_INTERVAL_SECONDS * 1000, run: () => this.digest.run() },
      'health-checks': { intervalMs: c.CERTCTL_SCHEDULER_HEALTH_CHECK_INTERVAL_MS, run: async () => (await this.health?.runDue()) ?? {} },
      'health-retention': {
        intervalMs: c.CERTCTL_SCHEDULER_HEALTH_RETENTION_INTERVAL_MS,
        run: async () => (await this.health?.prune()) ?? {},
      },
      'network-scan': { intervalMs: c.CERTCTL_SCHEDULER_NETWORK_SCAN_INTERVAL_MS, run: async () => (await this.networkScan?.run()) ?? {} },
      // Inventory owns the campaigns; this lease makes sure one replica drives them at a time.
      reissuance: {
        intervalMs: c.CERTCTL_SCHEDULER_REISSUANCE_INTERVAL_MS,
        run: () => this.rpc.request(InventoryReissuance.tick, {}, { timeoutMs: 120000 }),
      },
    };
    for (const name of LOOP_NAMES) this.runners.set(name, new LoopRunner({ name, ...loops[name] }, lease));
  }

  enabled(): LoopName[] {
    const wanted = new Set(this.config.CERTCTL_SCHEDULER_LOOPS.split(',').map((s) => s.trim()));
    return LOOP_NAMES.filter((n) => wanted.has(n) && (n !== 'digest' || this.config.CERTCTL_DIGEST_ENABLED));
  }

  onApplicationBootstrap(): void {
    const on = this.enabled();
    for (const n of on) this.runners.get(n)!.start();
    getLogger().info({ loops: on, holder: this.lease.holder }, 'scheduler loops started');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    await Promise.all(this.enabled().map((n) => this.lease.release(`loop:${n}`).catch(() => undefined)));
  }

  async agentOffline() {
    const cutoff = new Date(Date.now() - this.config.CERTCTL_AGENT_HEARTBEAT_INTERVAL_MS * this.config.CERTCTL_AGENT_OFFLINE_MULTIPLE);
    const r = await this.rpc.request(SchedulerRpc.agentMarkOffline, { heartbeat_before: cutoff.toISOString() });
    if (r.agent_ids.length) {
      const alerts: Alert[] = r.agent_ids.map((id) => ({
        event: 'agent.offline',
        severity: 'warning',
        subject: `Agent ${id} is offline`,
        message: `Agent ${id} sent no heartbeat since ${cutoff.toISOString()}.`,
        dedupe_key: `agent-offline:${id}:${cutoff.toISOString().slice(0, 13)}`,
        data: { agent_id: id },
      }));
      await this.rpc.request(NotificationRpc.dispatch, { alerts });
    }
    return { marked: r.marked };
  }

  /** Active → Expiring within the window, and → Expired after notAfter (inventory applies the transition table). */
  async expiryStatus() {
    const r = await this.rpc.request(SchedulerRpc.certificateMarkExpiry, {
      expiring_within_days: this.config.CERTCTL_EXPIRING_WITHIN_DAYS,
    });
    return { expiring: r.expiring, expired: r.expired.length };
  }

  /** Has the revocation service rebuild CRLs that are due (it also refreshes them on its own if this loop is off). */
  async refreshCrls() {
    const r = await this.rpc.request(RevocationRpc.crlRefresh, {}, { timeoutMs: 60000 });
    return { rebuilt: r.rebuilt.length };
  }

  async reapJobs() {
    const now = Date.now();
    const iso = (ms: number) => new Date(now - ms).toISOString();
    return this.rpc.request(SchedulerRpc.jobReapStale, {
      running_before: iso(this.config.CERTCTL_JOB_RUNNING_TIMEOUT_MS),
      awaiting_csr_before: iso(this.config.CERTCTL_JOB_AWAITING_CSR_TIMEOUT_MS),
      awaiting_approval_before: iso(this.config.CERTCTL_JOB_AWAITING_APPROVAL_TIMEOUT_MS),
    });
  }
}
