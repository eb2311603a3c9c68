import { Controller, Get, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { AppError, Permission, isoDateSchema } from '@certctl/contracts';
import { type AuditEventRow, decodeCursor, encodeCursor } from '@certctl/database';
import { Endpoint } from '../http/endpoint';
import { listQuerySchema, pageSchema } from '../http/pagination';
import { idParam } from '../http/params';
import { AuditRepository } from './audit.repository';

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
    const rows = await this.events.findPage({
      actor: q.actor,
      action: q.action,
      resourceType: q.resource_type,
      resourceId: q.resource_id,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      before: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: q.limit,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { data: page.map(toDto), next_cursor: rows.length > q.limit && last ? encodeCursor(last.occurredAt, last.id) : null };
  }

  @Get(':id')
  @Endpoint({ permission: Permission.AuditRead, tag: 'audit', summary: 'Get one audit event', response: auditEventSchema, errors: [404] })
  async get(@Param('id') id: string) {
    const row = await this.events.findById(idParam(id));
    if (!row) throw AppError.notFound('audit event', id);
    return toDto(row);
  }
}
