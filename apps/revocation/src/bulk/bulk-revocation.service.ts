import { Injectable } from '@nestjs/common';
import {
  AppError,
  type Actor,
  type BulkRevocationDto,
  QueueName,
  type RevocationReason,
  Rpc,
  type RpcRequestParsed,
  RevocationRpc,
  revocationReasonSchema,
} from '@certctl/contracts';
import { newId } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger, injectTraceHeaders } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { type BulkError, BulkRevocationRepository, type BulkRow } from './bulk-revocation.repository';

const MAX_CERTIFICATES = 50_000;

/** Bulk revocation requests: resolve the certificates now, revoke them in a queue job. */
@Injectable()
export class BulkRevocationService {
  constructor(
    private readonly bulks: BulkRevocationRepository,
    private readonly rpc: RpcClient,
    private readonly queues: QueueService,
  ) {}

  async start(req: RpcRequestParsed<typeof RevocationRpc.bulkStart>): Promise<BulkRevocationDto> {
    const ids = req.ids ? [...new Set(req.ids)] : await this.resolve(req);
    if (ids.length === 0) throw AppError.validation([{ field: 'filter', message: 'no issued certificate matches' }]);
    const id = newId('bulk');
    const row = await this.bulks.create({ id, reason: req.reason, certificateIds: ids, requestedBy: req.actor.principal });
    try {
      await this.queues.add(QueueName.BulkRevocation, id, { bulk_id: id, traceparent: injectTraceHeaders().traceparent });
    } catch (err) {
      await this.bulks.markFailed(id);
      throw new AppError('service_unavailable', `could not queue the bulk revocation: ${(err as Error).message}`, { retryable: true });
    }
    getLogger().info({ bulk_id: id, total: ids.length, reason: req.reason, actor: req.actor.principal }, 'bulk revocation queued');
    return toBulkDto(row);
  }

  /** Issued certificates matching the filter, through inventory's list (one page of 500 at a time). */
  private async resolve(f: { issuer_id?: string; owner_id?: string; team_id?: string }): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.rpc.request(Rpc.inventory.certificateList, {
        limit: 500,
        ...(cursor ? { cursor } : {}),
        ...(f.issuer_id ? { issuer_id: f.issuer_id } : {}),
        ...(f.owner_id ? { owner_id: f.owner_id } : {}),
        ...(f.team_id ? { team_id: f.team_id } : {}),
      });
      for (const c of page.data) if (c.serial_number && c.status !== 'revoked') ids.push(c.id);
      if (ids.length > MAX_CERTIFICATES) throw AppError.validation([{ field: 'filter', message: `matches more than ${MAX_CERTIFICATES}` }]);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return ids;
  }

  async get(id: string): Promise<BulkRevocationDto> {
    const row = await this.bulks.findById(id);
    if (!row) throw AppError.notFound('bulk revocation', id);
    return toBulkDto(row);
  }
}

export function toBulkDto(row: BulkRow): BulkRevocationDto {
  return {
    id: row.id,
    status: row.status as BulkRevocationDto['status'],
    reason: revocationReasonSchema.parse(row.reason) as RevocationReason,
    total: row.total,
    revoked: row.revoked,
    failed: row.failed,
    errors: (row.errors as BulkError[]) ?? [],
    requested_by: row.requestedBy,
    created_at: row.createdAt.toISOString(),
    completed_at: row.completedAt?.toISOString() ?? null,
  };
}

export type { Actor };
