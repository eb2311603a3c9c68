import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError, Permission, isoDateSchema } from '@certctl/contracts';
import { type AuditEventRow, decodeCursor, encodeCursor } from '@certctl/database';
import type { GatewayRequest } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { listQuerySchema, pageSchema } from '../http/pagination';
import { idParam } from '../http/params';
import { auditCsvStream } from './audit-csv';
import { type AuditFilter, AuditRepository } from './audit.repository';

const isoDate = isoDateSchema;

export const auditEventSchema = z.object({
  id: z.string(),
  occurred_at: isoDate,
  actor: z.string(),
  role: z.string().nullable(),
  action: z.string(),
  method: z.string().nullable(),
  path: z.string().nullable(),
  resource_type: z.string().nullable(),
  resource_id: z.string().nullable(),
  status: z.number().int().nullable(),
  body_sha256: z.string().nullable(),
  latency_ms: z.number().int().nullable(),
  request_id: z.string().nullable(),
  source_ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export const listAuditQuerySchema = listQuerySchema.extend({
  actor: z.string().max(255).optional(),
  action: z.string().max(128).optional(),
  resource_type: z.string().max(64).optional(),
  resource_id: z.string().max(128).optional(),
  since: isoDate.optional().describe('Events at or after this time'),
  until: isoDate.optional().describe('Events before this time'),
});

/** The CSV export takes the list's filters; it has no limit or cursor (it streams every match). */
export const exportAuditQuerySchema = listAuditQuerySchema.omit({ limit: true, cursor: true });
const EXPORT_PAGE = 500;

/** The repository filter of the list's query parameters. */
function filterOf(q: z.output<typeof exportAuditQuerySchema>, limit: number, before?: AuditFilter['before']): AuditFilter {
  return {
    actor: q.actor,
    action: q.action,
    resourceType: q.resource_type,
    resourceId: q.resource_id,
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
    before,
    limit,
  };
}

function toDto(r: AuditEventRow): z.infer<typeof auditEventSchema> {
  return {
    id: r.id,
    occurred_at: r.occurredAt.toISOString(),
    actor: r.actor,
    role: r.role,
    action: r.action,
    method: r.method,
    path: r.path,
    resource_type: r.resourceType,
    resource_id: r.resourceId,
    status: r.status,
    body_sha256: r.bodySha256,
    latency_ms: r.latencyMs,
    request_id: r.requestId,
    source_ip: r.sourceIp,
    details: (r.details ?? {}) as Record<string, unknown>,
  };
}

/** The audit trail: read-only here; rows are append-only in the database too. */
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly events: AuditRepository) {}

  @Get()
  @Endpoint({
    permission: Permission.AuditRead,
    tag: 'audit',
    summary: 'List audit events, newest first, with filters',
    query: listAuditQuerySchema,
    response: pageSchema(auditEventSchema),
  })
  async list(@Query() q: z.output<typeof listAuditQuerySchema>) {
    const rows = await this.events.findPage(filterOf(q, q.limit, q.cursor ? decodeCursor(q.cursor) : undefined));
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { data: page.map(toDto), next_cursor: rows.length > q.limit && last ? encodeCursor(last.occurredAt, last.id) : null };
  }

  @Get('export')
  @Endpoint({
    permission: Permission.AuditRead,
    tag: 'audit',
    summary:
      'Export every audit event matching the filters as CSV (text/csv, newest first, streamed; details as JSON; a cell that would start a spreadsheet formula gets a leading apostrophe)',
    action: 'audit.export',
    audit: true,
    query: exportAuditQuerySchema,
    produces: 'text/csv',
  })
  async export(
    @Query() q: z.output<typeof exportAuditQuerySchema>,
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    req.auditDetails = { filters: q }; // who exported which part of the trail
    const page = async (before?: AuditFilter['before']) => {
      const rows = await this.events.findPage(filterOf(q, EXPORT_PAGE, before));
      const kept = rows.slice(0, EXPORT_PAGE);
      const last = kept[kept.length - 1];
      return { rows: kept.map(toDto), next: rows.length > EXPORT_PAGE && last ? { at: last.occurredAt, id: last.id } : undefined };
    };
    const first = await page();
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="certctl-audit-${stamp}.csv"`)
      .header('cache-control', 'no-store');
    return auditCsvStream(first, page);
  }

  @Get(':id')
  @Endpoint({ permission: Permission.AuditRead, tag: 'audit', summary: 'Get one audit event', response: auditEventSchema, errors: [404] })
  async get(@Param('id') id: string) {
    const row = await this.events.findById(idParam(id));
    if (!row) throw AppError.notFound('audit event', id);
    return toDto(row);
  }
}
