// Fixtures of the gateway's unit and integration specs (never imported by production code).
import type { AuditRecord } from '../audit/audit-record';

/** One audit row of a successful certificate creation; `over` changes any column. */
export const auditRecord = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  occurredAt: new Date(),
  actor: 'key:ops',
  role: 'admin',
  action: 'certificate.create',
  method: 'POST',
  path: '/api/v1/certificates',
  resourceType: 'certificate',
  resourceId: null,
  status: 201,
  bodySha256: null,
  latencyMs: 3,
  requestId: 'req-ok',
  sourceIp: '127.0.0.1',
  details: {},
  ...over,
});
