import { Injectable } from '@nestjs/common';
import { type AuditEventRow, PrismaService, newId } from '@certctl/database';
import type { AuditRecord } from './audit-record';

/** Which audit events a page lists (the REST list's filters, already parsed). */
export interface AuditFilter {
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  since?: Date;
  until?: Date;
  /** Events older than this (occurred_at, id) position. */
  before?: { at: Date; id: string };
  limit: number;
}

/** The audit_events table: append-only writes of the audit writer and the reads of the audit API. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: PrismaService) {}

  /** One multi-row INSERT: all rows are stored, or none (the caller isolates a refused row). */
  async insertMany(rows: AuditRecord[]): Promise<void> {
    // A row from a bus event takes its id from the event id: a redelivered event is skipped, not stored twice.
    await this.db.auditEvent.createMany({
      data: rows.map((row) => ({ id: auditRowId(row.requestId), ...row, details: row.details as object })),
      skipDuplicates: true,
    });
  }

  /** True while the database answers a trivial query: tells a refused row from an outage. */
  async answers(): Promise<boolean> {
    try {
      await this.db.$queryRaw`SELECT 1`;
      return true;
    } catch {
      return false;
    }
  }

  /** Up to `limit + 1` events, newest first (the extra one tells the caller a next page exists). */
  findPage(filter: AuditFilter): Promise<AuditEventRow[]> {
    const { since, until, before } = filter;
    return this.db.auditEvent.findMany({
      where: {
        AND: [
          filter.actor ? { actor: filter.actor } : {},
          filter.action ? { action: filter.action } : {},
          filter.resourceType ? { resourceType: filter.resourceType } : {},
          filter.resourceId ? { resourceId: filter.resourceId } : {},
          since || until ? { occurredAt: { ...(since ? { gte: since } : {}), ...(until ? { lt: until } : {}) } } : {},
          before ? { OR: [{ occurredAt: { lt: before.at } }, { occurredAt: before.at, id: { lt: before.id } }] } : {},
        ],
      },
      orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
      take: filter.limit + 1,
    });
  }

  findById(id: string): Promise<AuditEventRow | null> {
    return this.db.auditEvent.findUnique({ where: { id } });
  }
}

/** `audit-bus-<event id>` for a row recorded from a bus event (request id `bus:<event id>`), else a fresh id. */
export function auditRowId(requestId: string): string {
  return requestId.startsWith('bus:') ? `audit-bus-${requestId.slice(4)}` : newId('audit');
}
