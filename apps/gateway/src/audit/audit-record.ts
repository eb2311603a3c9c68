import { type AuditRecordedPayload, sanitizeText } from '@certctl/contracts';

/** One audit row as the gateway records it (the id is given when it is stored). */
export interface AuditRecord {
  occurredAt: Date;
  actor: string;
  role: string | null;
  action: string;
  method: string;
  path: string;
  resourceType: string | null;
  resourceId: string | null;
  /** The HTTP status; null for a change made without a REST call (its outcome is in details). */
  status: number | null;
  bodySha256: string | null;
  latencyMs: number | null;
  requestId: string;
  sourceIp: string | null;
  details: Record<string, unknown>;
}

/**
 * The row of a change another service made without a REST call (`AuditEvents.recorded`):
 * method `BUS`, path `bus:<service>`, request id `bus:<event id>`, the actor's kind as its
 * role, the outcome and the emitting service in details.
 */
export function auditRecordOfEvent(e: AuditRecordedPayload): AuditRecord {
  return {
    occurredAt: new Date(e.occurred_at),
    actor: e.actor.principal,
    role: e.actor.kind,
    action: e.action,
    method: 'BUS',
    path: `bus:${e.service}`,
    resourceType: e.resource_type,
    resourceId: e.resource_id,
    status: null,
    bodySha256: null,
    latencyMs: null,
    requestId: `bus:${e.event_id}`,
    sourceIp: null,
    details: { ...e.details, outcome: e.outcome, service: e.service },
  };
}

/** Longest text kept in an audit column; longer values are cut (with an ellipsis). */
const MAX_TEXT = 2048;
/** The details object of one row, serialized, at most this many characters. */
const MAX_DETAILS = 8192;

const text = (v: string): string => sanitizeText(v, MAX_TEXT);
const optionalText = (v: string | null): string | null => (v === null ? null : text(v));

/**
 * Every string of a row made storable before it is buffered: NUL and control characters
 * escaped, unpaired surrogates replaced, long values cut; details kept only while small.
 */
export function sanitizeRecord(r: AuditRecord): AuditRecord {
  let details = sanitizeJson(r.details) as Record<string, unknown>;
  const size = JSON.stringify(details).length;
  if (size > MAX_DETAILS) details = { truncated: true, original_size: size };
  return {
    ...r,
    actor: text(r.actor),
    role: optionalText(r.role),
    action: text(r.action),
    method: text(r.method).slice(0, 16),
    path: text(r.path),
    resourceType: optionalText(r.resourceType),
    resourceId: r.resourceId === null ? null : sanitizeText(r.resourceId, 128),
    bodySha256: optionalText(r.bodySha256),
    requestId: text(r.requestId),
    sourceIp: optionalText(r.sourceIp),
    details,
  };
}

function sanitizeJson(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return text(v);
  if (v === null || typeof v !== 'object') return typeof v === 'number' && !Number.isFinite(v) ? null : v;
  if (depth >= 8) return '[nested too deep]';
  if (Array.isArray(v)) return v.slice(0, 100).map((x) => sanitizeJson(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v)
      .slice(0, 100)
      .map(([k, x]) => [text(k), sanitizeJson(x, depth + 1)]),
  );
}

/** The safe form of a refused row: who, what, when and the outcome, nothing free-form. */
export function minimalRecord(r: AuditRecord): AuditRecord {
  const ascii = (v: string | null, max: number) => (v === null ? null : v.replace(/[^\x20-\x7e]/g, '?').slice(0, max));
  return {
    ...r,
    actor: ascii(r.actor, 256) ?? 'unknown',
    role: ascii(r.role, 64),
    action: ascii(r.action, 256) ?? 'unknown',
    method: ascii(r.method, 16) ?? 'GET',
    path: ascii(r.path, 512) ?? '/',
    resourceType: ascii(r.resourceType, 64),
    resourceId: ascii(r.resourceId, 128),
    bodySha256: ascii(r.bodySha256, 64),
    requestId: ascii(r.requestId, 128) ?? 'unknown',
    sourceIp: ascii(r.sourceIp, 64),
    details: { minimal_form: true },
  };
}
