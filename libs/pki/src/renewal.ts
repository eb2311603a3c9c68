import { createHash } from 'node:crypto';

const DAY = 86400000;

/** Renew when a third of the lifetime is left (two thirds elapsed), as cert-manager does. */
export const DEFAULT_RENEW_BEFORE_FRACTION = 1 / 3;

/**
 * The moment at which `fractionLeft` of a certificate's lifetime (notBefore → notAfter)
 * remains: by default the "renew at two thirds of the lifetime" point that the scheduler,
 * the gateway's own HTTPS certificate and the ACME renewal window (ARI) all use.
 */
export function renewalPoint(notBefore: Date, notAfter: Date, fractionLeft = DEFAULT_RENEW_BEFORE_FRACTION): Date {
  const end = notAfter.getTime();
  return new Date(end - fractionLeft * (end - notBefore.getTime()));
}

export interface RenewalInput {
  notBefore: Date;
  notAfter: Date;
  /** Renew this many days before expiry (wins over the fraction). */
  renewBeforeDays: number | null;
  /** Renew when this fraction of the lifetime remains (0 < f < 1). */
  renewBeforeFraction: number | null;
}

/** Which rule of the renewal policy decides the due time. */
export type PolicyRule = 'renew_before_days' | 'renew_before_fraction' | 'default_fraction' | 'days_window_too_long';

/** The policy rule that applies to a version, with the fraction used when it is a fraction rule. */
export function policyRule(c: RenewalInput): { rule: PolicyRule; fraction: number } {
  const span = c.notAfter.getTime() - c.notBefore.getTime();
  const validFraction = c.renewBeforeFraction !== null && c.renewBeforeFraction > 0 && c.renewBeforeFraction < 1;
  const fraction = validFraction ? c.renewBeforeFraction! : DEFAULT_RENEW_BEFORE_FRACTION;
  if (c.renewBeforeDays !== null && c.renewBeforeDays >= 0) {
    // A window as long as the lifetime would renew every new version at once, forever: use the fraction then.
    if (c.renewBeforeDays * DAY < span) return { rule: 'renew_before_days', fraction };
    return { rule: 'days_window_too_long', fraction };
  }
  return { rule: validFraction ? 'renew_before_fraction' : 'default_fraction', fraction };
}

/**
 * When a certificate version becomes due for renewal: `renewBeforeDays` before expiry, or
 * when `renewBeforeFraction` of the lifetime remains (default a third). A day window not
 * shorter than the lifetime falls back to the fraction. Never before notBefore, never after notAfter.
 */
export function renewalDueAt(c: RenewalInput): Date {
  const start = c.notBefore.getTime();
  const end = c.notAfter.getTime();
  const { rule, fraction } = policyRule(c);
  const due = rule === 'renew_before_days' ? end - c.renewBeforeDays! * DAY : renewalPoint(c.notBefore, c.notAfter, fraction).getTime();
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

export interface RenewalScheduleInput extends RenewalInput {
  certificateId: string;
  /** The issuer's suggested renewal window (ARI) stored on the version, if any. */
  ariWindow: { start: Date; end: Date } | null;
  autoRenew: boolean;
  /** The scheduler's CERTCTL_RENEWAL_JITTER_MAX_MS. */
  maxJitterMs: number;
}

export type RenewalReason = PolicyRule | 'ari_window';

/** When and why a certificate version will be renewed: the scheduler's rule, in one place. */
export interface RenewalSchedule {
  /** When the version becomes due (ARI window or policy), before jitter. */
  dueAt: Date;
  /** When the renewal job starts if the scan sees it at its due time: due time plus the certificate's jitter. */
  startAt: Date;
  source: 'policy' | 'ari' | 'manual_only';
  reason: RenewalReason;
  /** The ARI window the due time lies in, or null when the policy decides. */
  window: { start: Date; end: Date } | null;
  explanation: string;
}

/**
 * The renewal plan of a version: the issuer's ARI window when it gave one, else the renewal
 * policy; then the per-certificate jitter. The scheduler creates the job from this plan and
 * the certificate representation shows it, so both always agree.
 */
export function renewalSchedule(c: RenewalScheduleInput): RenewalSchedule {
  const window = c.ariWindow;
  const dueAt = window ? ariDueAt(c.certificateId, window.start, window.end) : renewalDueAt(c);
  const startAt = renewalStartAt(c.certificateId, dueAt, c.notAfter, dueAt, c.maxJitterMs);
  const reason: RenewalReason = window ? 'ari_window' : policyRule(c).rule;
  const jitter = startAt.getTime() - dueAt.getTime();
  const when = `due at ${dueAt.toISOString()}: ${describe(reason, c)}`;
  const explanation = c.autoRenew
    ? `${when}; the renewal job starts at ${startAt.toISOString()} (jitter ${Math.round(jitter / 1000)} s, at most ${Math.round(c.maxJitterMs / 1000)} s and 10% of the time left), at the first renewal scan after that`
    : `${when}; auto-renew is off in the renewal policy, so no job is created: an alert (certificate.renewal_due) is sent and the renewal is manual`;
  return { dueAt, startAt, source: c.autoRenew ? (window ? 'ari' : 'policy') : 'manual_only', reason, window, explanation };
}

function describe(reason: RenewalReason, c: RenewalInput): string {
  const { fraction } = policyRule(c);
  const pct = `${Math.round(fraction * 1000) / 10}%`;
  switch (reason) {
    case 'ari_window':
      return "a moment inside the issuer's suggested renewal window (ARI), fixed per certificate";
    case 'renew_before_days':
      return `the renewal policy renews ${c.renewBeforeDays} days before expiry`;
    case 'renew_before_fraction':
      return `the renewal policy renews when ${pct} of the lifetime is left`;
    case 'days_window_too_long':
      return `the policy's ${c.renewBeforeDays}-day window is not shorter than the lifetime, so it renews when ${pct} of the lifetime is left`;
    default:
      return `the policy sets no window, so it renews when a third of the lifetime is left`;
  }
}

/** A stable number in [0, 1) from a seed: the same on every replica, spread evenly over seeds. */
function idFraction(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 0x1_0000_0000;
}
