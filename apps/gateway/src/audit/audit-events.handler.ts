import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { AuditEvents } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { auditRecordOfEvent } from './audit-record';
import { AuditWriter } from './audit.writer';

/**
 * Changes made without a REST call (scheduler renewals, ACME, bulk revocations), published
 * by the service that made them. Each event reaches one gateway replica (the gateway's
 * queue group) and becomes one row, sanitized and batched like the rows of REST calls.
 */
@Controller()
export class AuditEventsHandler {
  constructor(private readonly writer: AuditWriter) {}

  @EventPattern(AuditEvents.recorded.subject)
  recorded(@Payload() raw: unknown): void {
    const e = AuditEvents.recorded.payload.safeParse(raw);
    if (!e.success) return void getLogger().warn({ subject: AuditEvents.recorded.subject }, 'malformed audit event ignored');
    this.writer.record(auditRecordOfEvent(e.data));
  }
}
