import { contract } from '../contract';
import { auditRecordedPayloadSchema } from '../audit-schemas';

/**
 * The audit trail of changes made without a REST call (scheduler renewals, ACME requests,
 * bulk revocations). The gateway owns audit_events and writes each event once (its queue
 * group). Filed here because inventory is one of its emitters; it is not inventory's alone.
 */
export const AuditEvents = {
  recorded: contract({
    subject: 'certctl.v1.events.audit.recorded',
    emitters: ['inventory', 'acme', 'revocation'],
    consumers: ['gateway'],
    payload: auditRecordedPayloadSchema,
  }),
} as const;
