import { randomUUID } from 'node:crypto';
import { AUDIT_EVENT_MAX_DETAILS, type AuditActorKind, type AuditRecordedPayload } from '@certctl/contracts';

export interface AuditEventInput {
  service: string;
  actor: { principal: string; kind: AuditActorKind };
  action: string;
  resource_type?: string | null;
  resource_id?: string | null;
  outcome?: 'success' | 'failure';
  details?: Record<string, unknown>;
  occurred_at?: Date;
}

/** Keys whose values are never published in an audit event, whatever the caller passes. */
const SECRET_KEY = /(secret|password|passphrase|token|private|key_?pem|csr|pem|jwk|hmac|credential|authorization|signature)/i;
const MAX_STRING = 512;
const MAX_ENTRIES = 32;
const MAX_DEPTH = 3;

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function clean(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return cut(v, MAX_STRING);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean' || v === null) return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v !== 'object' || v === undefined) return undefined;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(v)) return v.slice(0, MAX_ENTRIES).map((x) => clean(x, depth + 1) ?? null);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v).slice(0, MAX_ENTRIES)) {
    if (SECRET_KEY.test(k)) continue;
    const c = clean(x, depth + 1);
    if (c !== undefined) out[cut(k, 64)] = c;
  }
  return out;
}

/**
 * The payload of `AuditEvents.recorded` for a change made without a REST call: secrets
 * dropped by key name (keys, CSRs, PEMs, tokens, passwords), strings, lists and nesting
 * bounded, the whole details object at most AUDIT_EVENT_MAX_DETAILS characters (a larger
 * one becomes `{ truncated: true, original_size }`). Identifiers are cut to the column sizes.
 */
export function auditEvent(input: AuditEventInput): AuditRecordedPayload {
  let details = (clean(input.details ?? {}, 0) ?? {}) as Record<string, unknown>;
  const size = JSON.stringify(details).length;
  if (size > AUDIT_EVENT_MAX_DETAILS) details = { truncated: true, original_size: size };
  const id = (v: string | null | undefined, max: number) => (v ? cut(v, max) : null);
  return {
    event_id: randomUUID(),
    occurred_at: (input.occurred_at ?? new Date()).toISOString(),
    service: cut(input.service, 32),
    actor: { principal: cut(input.actor.principal || 'unknown', 256), kind: input.actor.kind },
    action: cut(input.action, 128),
    resource_type: id(input.resource_type, 64),
    resource_id: id(input.resource_id, 128),
    outcome: input.outcome ?? 'success',
    details,
  };
}
