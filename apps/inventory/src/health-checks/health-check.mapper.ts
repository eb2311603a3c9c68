import type { HealthCheckDto, HealthCheckResultDto } from '@certctl/contracts';
import type { HealthCheckRow, HealthResultRow } from './health-check.repository';

const iso = (at: Date | null) => at?.toISOString() ?? null;

export function toHealthCheckDto(row: HealthCheckRow): HealthCheckDto {
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    sni: row.sni,
    expected_fingerprint: row.expectedFingerprint,
    certificate_id: row.certificateId,
    interval_seconds: row.intervalSeconds,
    timeout_ms: row.timeoutMs,
    enabled: row.enabled,
    status: row.status,
    consecutive_failures: row.consecutiveFailures,
    last_checked_at: iso(row.lastCheckedAt),
    next_check_at: row.nextCheckAt.toISOString(),
    last_error: row.lastError,
    served_fingerprint: row.servedFingerprint,
    served_not_after: iso(row.servedNotAfter),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function toHealthResultDto(row: HealthResultRow): HealthCheckResultDto {
  return {
    check_id: row.checkId,
    checked_at: row.checkedAt.toISOString(),
    ok: row.ok,
    latency_ms: row.latencyMs,
    served_fingerprint: row.servedFingerprint,
    error: row.error,
    status_after: row.statusAfter,
  };
}
