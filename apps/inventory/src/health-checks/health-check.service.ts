import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  AppError,
  type Actor,
  HEALTH_STATUSES,
  type HealthStatus,
  InventoryHealthCheck,
  type ProbeOutcome,
  type RpcRequestParsed,
  type RpcResponse,
} from '@certctl/contracts';
import { decodeCursor, decodeIdCursor, encodeCursor, encodeIdCursor } from '@certctl/database';
import type { Prisma } from '@certctl/database';
import { Outbox } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { type TlsEndpoint, probeTlsEndpoint } from '@certctl/platform';
import { toHealthCheckDto, toHealthResultDto } from './health-check.mapper';
import { type HealthCheckRow, HealthCheckRepository } from './health-check.repository';
import { nextHealthState } from './health-state';

/** Probes an endpoint (a TLS handshake); injected so the service is tested without sockets. */
export type Prober = (endpoint: TlsEndpoint) => Promise<ProbeOutcome>;
export const PROBER = Symbol('HEALTH_CHECK_PROBER');

/** Endpoint health checks: configuration, history, and each probe's result through the state machine (health-state.ts). */
@Injectable()
export class HealthCheckService {
  private readonly probe: Prober;

  constructor(
    private readonly repo: HealthCheckRepository,
    @Optional() private readonly outbox?: Outbox,
    @Optional() @Inject(PROBER) prober?: Prober,
  ) {
    this.probe = prober ?? probeTlsEndpoint;
  }

  async create({ actor, body }: RpcRequestParsed<typeof InventoryHealthCheck.create>) {
    if (body.certificate_id) await this.assertCertificate(body.certificate_id);
    const row = await this.repo.insert({
      name: body.name,
      host: body.host,
      port: body.port,
      sni: body.sni,
      expectedFingerprint: body.expected_fingerprint,
      certificateId: body.certificate_id,
      intervalSeconds: body.interval_seconds,
      timeoutMs: body.timeout_ms,
      enabled: body.enabled,
    });
    getLogger().info({ health_check_id: row.id, actor: actor.principal }, 'health check created');
    return toHealthCheckDto(row);
  }

  async get(id: string) {
    return toHealthCheckDto(await this.found(id));
  }

  async list(query: RpcRequestParsed<typeof InventoryHealthCheck.list>) {
    const after = query.cursor ? decodeIdCursor(query.cursor) : undefined;
    const rows = await this.repo.list(query.status, after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return { data: page.map(toHealthCheckDto), next_cursor: rows.length > query.limit ? encodeIdCursor(page[page.length - 1]!.id) : null };
  }

  async update({ actor, id, body }: RpcRequestParsed<typeof InventoryHealthCheck.update>) {
    if (body.certificate_id) await this.assertCertificate(body.certificate_id);
    const row = await this.repo.update(id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.host !== undefined ? { host: body.host } : {}),
      ...(body.port !== undefined ? { port: body.port } : {}),
      ...(body.sni !== undefined ? { sni: body.sni } : {}),
      ...(body.expected_fingerprint !== undefined ? { expectedFingerprint: body.expected_fingerprint } : {}),
      ...(body.certificate_id !== undefined ? { certificateId: body.certificate_id } : {}),
      ...(body.interval_seconds !== undefined ? { intervalSeconds: body.interval_seconds } : {}),
      ...(body.timeout_ms !== undefined ? { timeoutMs: body.timeout_ms } : {}),
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    });
    if (!row) throw AppError.notFound('health check', id);
    getLogger().info({ health_check_id: id, actor: actor.principal, fields: Object.keys(body) }, 'health check changed');
    return toHealthCheckDto(row);
  }

  async delete({ actor, id }: { actor: Actor; id: string }) {
    if (!(await this.repo.delete(id))) throw AppError.notFound('health check', id);
    getLogger().info({ health_check_id: id, actor: actor.principal }, 'health check deleted');
    return { id };
  }

  async history({ id, cursor, limit }: RpcRequestParsed<typeof InventoryHealthCheck.history>) {
    await this.found(id);
    const after = cursor ? decodeHistoryCursor(cursor) : undefined;
    const rows = await this.repo.history(id, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map(toHealthResultDto),
      next_cursor: rows.length > limit && last ? encodeCursor(last.checkedAt, last.id.toString()) : null,
    };
  }

  async summary(): Promise<RpcResponse<typeof InventoryHealthCheck.summary>> {
    const byStatus = Object.fromEntries(HEALTH_STATUSES.map((status) => [status, 0])) as Record<HealthStatus, number>;
    for (const group of await this.repo.countByStatus()) byStatus[group.status] = group.count;
    return { total: Object.values(byStatus).reduce((sum, count) => sum + count, 0), by_status: byStatus };
  }

  /** Probes one check now (enabled or not) and records the result like a scheduled probe. */
  async checkNow({ actor, id }: { actor: Actor; id: string }) {
    const row = await this.found(id);
    const outcome = await this.probe({ host: row.host, port: row.port, sni: row.sni, timeoutMs: row.timeoutMs });
    const saved = await this.recordOne(id, outcome);
    if (!saved) throw AppError.notFound('health check', id);
    getLogger().info({ health_check_id: id, actor: actor.principal, status: saved.check.status }, 'health check probed on request');
    return { check: toHealthCheckDto(saved.check), result: toHealthResultDto(saved.result) };
  }

  claimDue(limit: number) {
    return this.repo.claimDue(limit).then((checks) => ({ checks }));
  }

  /** The scheduler's probe results; a check deleted since it was claimed is skipped. */
  async record({ results }: RpcRequestParsed<typeof InventoryHealthCheck.record>) {
    let recorded = 0;
    let transitions = 0;
    for (const { check_id, ...outcome } of results) {
      const saved = await this.recordOne(check_id, outcome);
      if (!saved) continue;
      recorded++;
      if (saved.changed) transitions++;
    }
    return { recorded, transitions };
  }

  async pruneResults({ before, batch_size }: RpcRequestParsed<typeof InventoryHealthCheck.pruneResults>) {
    return { deleted: await this.repo.pruneResults(new Date(before), batch_size) };
  }

  /** One probe through the state machine, under the check's row lock; a transition's event is written in the same transaction (outbox). */
  private async recordOne(id: string, outcome: ProbeOutcome) {
    const saved = await this.repo.transaction(async (tx) => {
      const row = await this.repo.lockCheck(id, tx);
      if (!row) return null;
      const current = row.certificateId ? await this.repo.currentFingerprint(row.certificateId, tx) : null;
      const expected = [row.expectedFingerprint, current].filter((value): value is string => !!value);
      const next = nextHealthState(
        { status: row.status, consecutiveFailures: row.consecutiveFailures },
        { ok: outcome.ok, servedFingerprint: outcome.served_fingerprint },
        expected,
      );
      const probed = await this.repo.saveProbe(id, outcome, next, tx);
      const changed = row.status !== probed.check.status;
      if (changed) await this.enqueueChange(row, probed.check, expected, outcome, tx);
      return { before: row, expected, changed, ...probed };
    });
    if (saved?.changed) this.outbox?.wake();
    return saved;
  }

  private async enqueueChange(
    before: HealthCheckRow,
    after: HealthCheckRow,
    expected: string[],
    outcome: ProbeOutcome,
    tx: Prisma.TransactionClient,
  ) {
    getLogger().info({ health_check_id: after.id, from: before.status, to: after.status }, 'health check status changed');
    await this.outbox?.enqueue(tx, InventoryHealthCheck.statusChanged, {
      health_check_id: after.id,
      name: after.name,
      address: `${after.host}:${after.port}`,
      from: before.status,
      to: after.status,
      certificate_id: after.certificateId,
      served_fingerprint: outcome.served_fingerprint,
      expected_fingerprints: expected,
      error: outcome.error,
      checked_at: outcome.checked_at,
    });
  }

  private async found(id: string): Promise<HealthCheckRow> {
    const row = await this.repo.findById(id);
    if (!row) throw AppError.notFound('health check', id);
    return row;
  }

  private async assertCertificate(id: string): Promise<void> {
    if (!(await this.repo.certificateExists(id)))
      throw AppError.validation([{ field: 'certificate_id', message: `no certificate ${id}` }], 'The certificate does not exist.');
  }
}

function decodeHistoryCursor(cursor: string): { at: Date; id: bigint } {
  const { at, id } = decodeCursor(cursor);
  if (!/^\d+$/.test(id)) throw AppError.validation([{ field: 'cursor', message: 'is not a cursor of this list' }]);
  return { at, id: BigInt(id) };
}
