const DAY = 86400000;

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

export function alertKeys(certificateId: string, versionId: string) {
  return {
    expiring: (thresholdDays: number) => `expiring:${certificateId}:${versionId}:${thresholdDays}d`,
    renewalDue: `renewal-due:${certificateId}:${versionId}`,
  };
}
