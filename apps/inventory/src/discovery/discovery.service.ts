import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  AppError,
  InventoryDiscovery,
  type discoveryReportBodySchema,
  type listDiscoveredQuerySchema,
  type networkFindingSchema,
} from '@certctl/contracts';
import { decodeIdCursor, idPage } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { type Finding, parseReported, uniqueFindings } from './discovery-parse';
import { toDiscoveredDto } from './discovery.mapper';
import { type DiscoveredRow, DiscoveryRepository, type DiscoverySource } from './discovery.repository';

const DAY_MS = 86_400_000;

/** Recording what agents and network scans found, and reading it back. Triage (claim, dismiss) is DiscoveryTriageService. */
@Injectable()
export class DiscoveryService {
  constructor(
    private readonly repo: DiscoveryRepository,
    private readonly rpc: RpcClient,
  ) {}

  /** An agent's file scan: each entry parsed here; unparsable ones are answered back, never stored. */
  async report(agentId: string, body: z.output<typeof discoveryReportBodySchema>) {
    if (!(await this.repo.agentExists(agentId))) throw AppError.notFound('agent', agentId);
    const { findings, rejected } = await parseReported(
      body.certificates.map((entry) => ({ location: entry.path, certificatePem: entry.certificate_pem })),
    );
    const recorded = await this.recordAll('agent', agentId, findings);
    getLogger().info(
      { agent_id: agentId, ...recorded, rejected: rejected.length, errors: body.errors.length },
      'discovery report recorded',
    );
    return { ...recorded, rejected };
  }

  /** What one network scan's handshakes presented (location ip:port, the SNI name when one was sent). */
  async recordNetwork(scanTargetId: string, found: readonly z.output<typeof networkFindingSchema>[]) {
    const { findings, rejected } = await parseReported(
      found.map((entry) => ({ location: entry.address, serverName: entry.server_name, certificatePem: entry.certificate_pem })),
    );
    if (rejected.length) getLogger().warn({ scan_target_id: scanTargetId, rejected }, 'network scan: unparsable certificates skipped');
    return this.recordAll('network', scanTargetId, findings);
  }

  private async recordAll(source: DiscoverySource, sourceId: string, findings: readonly Finding[]) {
    const unique = uniqueFindings(findings);
    let created = 0;
    for (const finding of unique) {
      const { id, inserted } = await this.repo.record(source, sourceId, finding);
      if (!inserted) continue;
      created++;
      await this.rpc.emit(InventoryDiscovery.found, {
        discovered_certificate_id: id,
        fingerprint_sha256: finding.identity.fingerprintSha256,
        source,
        source_id: sourceId,
        location: finding.location,
        actor: source === 'agent' ? `agent:${sourceId}` : 'system:network-scan',
      });
    }
    return { received: unique.length, new: created };
  }

  async get(id: string) {
    return toDiscoveredDto(await this.row(id));
  }

  async row(id: string): Promise<DiscoveredRow> {
    const row = await this.repo.findById(id);
    if (!row) throw AppError.notFound('discovered certificate', id);
    return row;
  }

  async list(query: z.output<typeof listDiscoveredQuerySchema>) {
    const after = query.cursor ? decodeIdCursor(query.cursor) : undefined;
    const filter = {
      status: query.status,
      source: query.agent_id ? ('agent' as const) : query.source,
      sourceId: query.agent_id,
      notAfterBefore: query.expiring_within_days !== undefined ? new Date(Date.now() + query.expiring_within_days * DAY_MS) : undefined,
      text: query.q,
    };
    return idPage(await this.repo.list(filter, after, query.limit + 1), query.limit, toDiscoveredDto);
  }

  /** Counts by status and by source, and the unmanaged ones expiring within 30 days. */
  async summary() {
    const counts = await this.repo.summary(new Date(Date.now() + 30 * DAY_MS));
    const byStatus = { unmanaged: 0, managed: 0, dismissed: 0 } as Record<'unmanaged' | 'managed' | 'dismissed', number>;
    const bySource = { agent: 0, network: 0 } as Record<'agent' | 'network', number>;
    for (const row of counts.byStatus) byStatus[row.key as keyof typeof byStatus] = row.count;
    for (const row of counts.bySource) bySource[row.key as keyof typeof bySource] = row.count;
    const total = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
    return { total, by_status: byStatus, by_source: bySource, expiring_within_30_days: counts.expiring };
  }
}
