import { createHash } from 'node:crypto';
import { DEFAULT_RENEW_BEFORE_FRACTION, renewalPoint } from '@certctl/pki';

const DAY = 86400000;

export interface RenewalInput {
  notBefore: Date;
  notAfter: Date;
  /** Renew this many days before expiry (wins over the fraction). */
  renewBeforeDays: number | null;
  /** Renew when this fraction of the lifetime remains (0 < f < 1). */
  renewBeforeFraction: number | null;
}

/**
 * When a certificate version becomes due for renewal: `renewBeforeDays` before expiry, or
 * when `renewBeforeFraction` of the lifetime remains (default a third). A day window not
 * shorter than the lifetime falls back to the fraction. Never before notBefore, never after notAfter.
 */
export function renewalDueAt(c: RenewalInput): Date {
  const start = c.notBefore.getTime();
  const end = c.notAfter.getTime();
  let due: number;
  // A window as long as the lifetime would renew every new version at once, forever: use the fraction then.
  if (c.renewBeforeDays !== null && c.renewBeforeDays >= 0 && c.renewBeforeDays * DAY < end - start) due = end - c.renewBeforeDays * DAY;
  else {
    const f =
      c.renewBeforeFraction !== null && c.renewBeforeFraction > 0 && c.renewBeforeFraction < 1
        ? c.renewBeforeFraction
        : DEFAULT_RENEW_BEFORE_FRACTION;
    due = renewalPoint(c.notBefore, c.notAfter, f).getTime();
  }
  return new Date(Math.min(end, Math.max(start, due)));
}

/**
 * When a version with an issuer-suggested renewal window (ACME ARI, RFC 9773) is due: one
 * moment inside the window, derived from the certificate id, so every replica agrees and a
 * fleet given the same window spreads across it (as RFC 9773 §4.2 asks clients to).
 */
export function ariDueAt(certificateId: string, start: Date, end: Date): Date {
  const span = Math.max(0, end.getTime() - start.getTime());
  return new Date(start.getTime() + Math.floor(idFraction(`ari:${certificateId}`) * span));
}

/**
 * The alert threshold (days) a certificate is in now: the smallest threshold not
 * smaller than the days left. Null when no threshold is reached or it has expired.
 */
export function expiryThreshold(notAfter: Date, now: Date, thresholdsDays: readonly number[]): number | null {
  const left = (notAfter.getTime() - now.getTime()) / DAY;
  if (left <= 0) return null;
  const crossed = thresholdsDays.filter((t) => t > 0 && left <= t);
  return crossed.length ? Math.min(...crossed) : null;
}

export function severityForThreshold(days: number): 'info' | 'warning' | 'critical' {
  return days <= 1 ? 'critical' : days <= 7 ? 'warning' : 'info';
}

/**
 * When the renewal should start: due time (or now, if later) plus a jitter derived from
 * the certificate id, so every replica computes the same time and a fleet issued on one
 * day is spread out. The jitter is at most `maxJitterMs` and at most 10% of the time left.
 */
export function renewalStartAt(certificateId: string, dueAt: Date, notAfter: Date, now: Date, maxJitterMs: number): Date {
  const base = Math.max(now.getTime(), dueAt.getTime());
  const window = Math.max(0, Math.min(maxJitterMs, (notAfter.getTime() - base) * 0.1));
  if (window < 1) return new Date(base);
  return new Date(base + Math.floor(idFraction(certificateId) * window));
}

export function alertKeys(certificateId: string, versionId: string) {
  return {
    expiring: (thresholdDays: number) => `expiring:${certificateId}:${versionId}:${thresholdDays}d`,
    renewalDue: `renewal-due:${certificateId}:${versionId}`,
  };
}

/** A stable number in [0, 1) from a seed: the same on every replica, spread evenly over seeds. */
function idFraction(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 0x1_0000_0000;
}
