import { Injectable } from '@nestjs/common';
import { AuditEvents } from '@certctl/contracts';
import { DurableEvents } from '@certctl/messaging';
import { auditRecordOfEvent } from './audit-record';
import { AuditWriter } from './audit.writer';

/**
 * Changes made without a REST call (scheduler renewals, ACME, bulk revocations), published
 * by the service that made them into the durable events stream. Each event is taken by one
 * gateway replica (JetStream consumer `gateway-audit`), becomes one row, sanitized and batched
 * like the rows of REST calls, and is acknowledged only once its row is stored; the row's id
 * comes from the event id, so a redelivered event does not write a second row.
 */
@Injectable()
export class AuditEventsHandler {
  constructor(writer: AuditWriter, events: DurableEvents) {
    events.on(AuditEvents.recorded, 'audit', (e) => writer.recordDurably(auditRecordOfEvent(e)));
  }
}
