import { z } from 'zod';

/** Who made a change that reached no REST route: the scheduler, an ACME account, the platform itself, or the API key behind a queued job. */
export const auditActorKindSchema = z.enum(['scheduler', 'acme_account', 'system', 'api_key']);
export type AuditActorKind = z.infer<typeof auditActorKindSchema>;

/** Longest details object (serialized) an audit event carries; the builder replaces a larger one with its size. */
export const AUDIT_EVENT_MAX_DETAILS = 4096;

/**
 * One audit row published on the bus by the service that made the change (audit_events
 * belongs to the gateway, which writes it). Details never hold secrets (keys, CSRs, PEMs,
 * tokens): build it with `auditEvent()` from @certctl/messaging.
 */
export const auditRecordedPayloadSchema = z.object({
  /** Unique per event: the row's request_id (`bus:<event_id>`). */
  event_id: z.string().min(1).max(64),
  occurred_at: z.string().datetime({ offset: true }),
  /** The emitting service. */
  service: z.string().min(1).max(32),
  actor: z.object({ principal: z.string().min(1).max(256), kind: auditActorKindSchema }),
  action: z.string().min(1).max(128),
  resource_type: z.string().min(1).max(64).nullable(),
  resource_id: z.string().min(1).max(128).nullable(),
  outcome: z.enum(['success', 'failure']),
  details: z.record(z.string(), z.unknown()),
});
export type AuditRecordedPayload = z.infer<typeof auditRecordedPayloadSchema>;
