import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { InventoryNetworkScan, type networkFindingSchema, type networkScanTargetSchema } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { addressesOf, parseAllowList, scanRangeProblems } from '@certctl/pki';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { presentedChain } from './tls-handshake';

type ScanTarget = z.output<typeof networkScanTargetSchema>;
type NetworkFinding = z.input<typeof networkFindingSchema>;

/** Findings per record request (each a PEM of ~1-2 KB: well under the 1 MB NATS message limit). */
const RECORD_BATCH = 200;
/** Scan targets taken per pass. */
const TARGETS_PER_PASS = 10;

/** Runs `work` over `items` with at most `limit` in flight. */
export async function eachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** The network-scan loop: takes due scan targets from inventory, handshakes with every address:port, records what was presented. */
@Injectable()
export class NetworkScanService {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async run(): Promise<Record<string, unknown>> {
    const due = await this.rpc.request(InventoryNetworkScan.claimDue, { limit: TARGETS_PER_PASS });
    let certificates = 0;
    for (const target of due.data) certificates += await this.scan(target);
    return { targets: due.data.length, certificates };
  }

  /** One target: refused as a whole when a range is outside today's allow-list (checked again here, not only at creation). */
  async scan(target: ScanTarget): Promise<number> {
    const scannedAt = new Date().toISOString();
    const problems = scanRangeProblems(target.cidrs, parseAllowList(this.config.CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS).allowed);
    if (problems.length) {
      const refused = problems.map((problem) => `${problem.cidr} ${problem.message}`).join('; ');
      getLogger().warn({ scan_target_id: target.id, refused }, 'network scan refused');
      const result = { scanned_at: scannedAt, addresses: 0, handshakes: 0, certificates: 0, new: 0, errors: 0, refused };
      await this.rpc.request(InventoryNetworkScan.record, { id: target.id, findings: [], result });
      return 0;
    }
    const addresses = target.cidrs.flatMap((cidr) => addressesOf(cidr));
    const endpoints = addresses.flatMap((host) => target.ports.map((port) => ({ host, port })));
    const findings: NetworkFinding[] = [];
    let handshakes = 0;
    let errors = 0;
    await eachBounded(endpoints, target.concurrency, async ({ host, port }) => {
      try {
        const { chain } = await presentedChain(host, port, '', target.timeout_ms);
        handshakes++;
        const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        for (const pem of chain) findings.push({ address, server_name: '', certificate_pem: pem });
      } catch {
        errors++; // closed ports and non-TLS services are the common case
      }
    });
    let created = 0;
    for (let start = 0; start < findings.length; start += RECORD_BATCH) {
      const batch = findings.slice(start, start + RECORD_BATCH);
      created += (await this.rpc.request(InventoryNetworkScan.record, { id: target.id, findings: batch }, { timeoutMs: 60000 })).new;
    }
    const result = { scanned_at: scannedAt, addresses: endpoints.length, handshakes, certificates: findings.length, new: created, errors };
    await this.rpc.request(InventoryNetworkScan.record, { id: target.id, findings: [], result });
    getLogger().info({ scan_target_id: target.id, ...result }, 'network scan done');
    return findings.length;
  }
}
