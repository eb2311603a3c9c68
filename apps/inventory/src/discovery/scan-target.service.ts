import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import {
  type Actor,
  AppError,
  type createNetworkScanTargetSchema,
  type networkFindingSchema,
  type networkScanResultSchema,
  type updateNetworkScanTargetSchema,
} from '@certctl/contracts';
import { decodeIdCursor, idPage, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { parseAllowList, scanRangeProblems } from '@certctl/pki';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { DiscoveryService } from './discovery.service';
import { type ScanTargetRow, ScanTargetRepository } from './scan-target.repository';

type CreateBody = z.output<typeof createNetworkScanTargetSchema>;
type UpdateBody = z.output<typeof updateNetworkScanTargetSchema>;

export function toScanTargetDto(row: ScanTargetRow) {
  return {
    id: row.id,
    name: row.name,
    cidrs: row.cidrs,
    ports: row.ports,
    interval_seconds: row.intervalSeconds,
    timeout_ms: row.timeoutMs,
    concurrency: row.concurrency,
    enabled: row.enabled,
    last_run_at: row.lastRunAt?.toISOString() ?? null,
    next_run_at: row.nextRunAt.toISOString(),
    last_result: (row.lastResult as Record<string, unknown> | null) ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/**
 * 422 naming each block that is malformed, larger than 4096 addresses or outside
 * CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS (empty: every block, scanning is off).
 */
export function assertScannable(cidrs: readonly string[], allowListText: string): void {
  const problems = scanRangeProblems(cidrs, parseAllowList(allowListText).allowed);
  if (!problems.length) return;
  throw AppError.validation(
    problems.map((problem) => ({ field: `cidrs[${cidrs.indexOf(problem.cidr)}]`, message: `${problem.cidr} ${problem.message}` })),
    'Network scans only cover blocks of at most 4096 addresses inside the operator allow-list CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS (empty by default: scanning is off).',
  );
}

/** Network scan targets: CRUD, run-now, and the scheduler's claim and report. */
@Injectable()
export class ScanTargetService {
  constructor(
    private readonly repo: ScanTargetRepository,
    private readonly discovery: DiscoveryService,
    @Inject(INVENTORY_CONFIG) private readonly config: InventoryConfig,
  ) {}

  async create(actor: Actor, body: CreateBody) {
    assertScannable(body.cidrs, this.config.CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS);
    const row = await this.repo.insert({
      id: newId('nst'),
      name: body.name,
      cidrs: body.cidrs,
      ports: body.ports,
      intervalSeconds: body.interval_seconds,
      timeoutMs: body.timeout_ms,
      concurrency: body.concurrency,
      enabled: body.enabled,
    });
    getLogger().info({ id: row.id, cidrs: row.cidrs, actor: actor.principal }, 'network scan target created');
    return toScanTargetDto(row);
  }

  async get(id: string) {
    return toScanTargetDto(await this.row(id));
  }

  async list(query: { limit: number; cursor?: string }) {
    const rows = await this.repo.list(query.cursor ? decodeIdCursor(query.cursor) : undefined, query.limit + 1);
    return idPage(rows, query.limit, toScanTargetDto);
  }

  async update(actor: Actor, id: string, body: UpdateBody) {
    await this.row(id);
    if (body.cidrs) assertScannable(body.cidrs, this.config.CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS);
    const row = await this.repo.update(id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.cidrs !== undefined ? { cidrs: body.cidrs } : {}),
      ...(body.ports !== undefined ? { ports: body.ports } : {}),
      ...(body.interval_seconds !== undefined ? { intervalSeconds: body.interval_seconds } : {}),
      ...(body.timeout_ms !== undefined ? { timeoutMs: body.timeout_ms } : {}),
      ...(body.concurrency !== undefined ? { concurrency: body.concurrency } : {}),
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    });
    getLogger().info({ id, actor: actor.principal }, 'network scan target updated');
    return toScanTargetDto(row);
  }

  async delete(actor: Actor, id: string) {
    await this.repo.delete(id);
    getLogger().info({ id, actor: actor.principal }, 'network scan target deleted');
    return { id, deleted: true as const };
  }

  /** Due now (the scheduler's next pass runs it); its ranges are checked against today's allow-list first. */
  async run(actor: Actor, id: string) {
    const current = await this.row(id);
    assertScannable(current.cidrs, this.config.CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS);
    const row = await this.repo.update(id, { nextRunAt: new Date() });
    getLogger().info({ id, actor: actor.principal }, 'network scan requested');
    return toScanTargetDto(row);
  }

  async claimDue(limit: number) {
    return { data: (await this.repo.claimDue(limit)).map(toScanTargetDto) };
  }

  async record(id: string, findings: z.output<typeof networkFindingSchema>[], result?: z.output<typeof networkScanResultSchema>) {
    await this.row(id);
    const recorded = await this.discovery.recordNetwork(id, findings);
    if (result) await this.repo.update(id, { lastResult: result });
    return recorded;
  }

  private async row(id: string): Promise<ScanTargetRow> {
    const row = await this.repo.findById(id);
    if (!row) throw AppError.notFound('network scan target', id);
    return row;
  }
}
