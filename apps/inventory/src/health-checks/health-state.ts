import type { HealthStatus } from '@certctl/contracts';

/**
 * The health of an endpoint, from one probe to the next. A successful handshake is `healthy`,
 * or `cert_mismatch` when the served leaf is not an expected one; failures count up and only
 * the thresholds below change the status (one failure keeps the previous status).
 */

/** Consecutive failures at which a check becomes degraded, then down (the highest reached wins). */
export const FAILURE_THRESHOLDS: readonly { failures: number; status: HealthStatus }[] = [
  { failures: 5, status: 'down' },
  { failures: 2, status: 'degraded' },
];

/** Which status may follow which (docs/lifecycle.md is generated from it; `unknown` is only the start). */
export const HEALTH_TRANSITIONS: Readonly<Record<HealthStatus, readonly HealthStatus[]>> = {
  unknown: ['healthy', 'cert_mismatch', 'degraded'],
  healthy: ['cert_mismatch', 'degraded'],
  cert_mismatch: ['healthy', 'degraded'],
  degraded: ['healthy', 'cert_mismatch', 'down'],
  down: ['healthy', 'cert_mismatch'],
};

export interface HealthState {
  status: HealthStatus;
  consecutiveFailures: number;
}

export interface ProbeVerdict {
  ok: boolean;
  /** Lowercase hex SHA-256 of the served leaf (when the handshake succeeded). */
  servedFingerprint: string | null;
}

/**
 * The state after one probe. `expected` holds the fingerprints the served leaf must equal (the
 * check's expected fingerprint, the bound certificate's current version): empty expects nothing.
 */
export function nextHealthState(previous: HealthState, probe: ProbeVerdict, expected: readonly string[]): HealthState {
  if (probe.ok) {
    const served = probe.servedFingerprint?.toLowerCase();
    const mismatch = expected.some((fingerprint) => fingerprint.toLowerCase() !== served);
    return { status: mismatch ? 'cert_mismatch' : 'healthy', consecutiveFailures: 0 };
  }
  const failures = previous.consecutiveFailures + 1;
  const reached = FAILURE_THRESHOLDS.find((threshold) => failures >= threshold.failures);
  return { status: reached?.status ?? previous.status, consecutiveFailures: failures };
}
