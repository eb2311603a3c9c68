/**
 * Delay before the next attempt after `failures` failed attempts: 2^(failures-1) base
 * units (1, 2, 4, 8 … minutes by default), never more than `maxMs`.
 */
export function backoffDelayMs(failures: number, baseMs: number, maxMs: number): number {
  if (!Number.isFinite(failures) || failures < 1) return 0;
  const exp = Math.min(failures - 1, 40);
  return Math.min(baseMs * 2 ** exp, maxMs);
}

/**
 * The outcome of a failed attempt: dead when the attempt budget is spent or the failure is not
 * retryable (it would fail the same way every time), else when to retry.
 */
export function afterFailure(
  retryCount: number,
  now: Date,
  opts: { maxAttempts: number; baseMs: number; maxMs: number },
  retryable = true,
): { retryCount: number; dead: boolean; nextRetryAt: Date | null } {
  const failures = retryCount + 1;
  if (!retryable || failures >= opts.maxAttempts) return { retryCount: failures, dead: true, nextRetryAt: null };
  return { retryCount: failures, dead: false, nextRetryAt: new Date(now.getTime() + backoffDelayMs(failures, opts.baseMs, opts.maxMs)) };
}

/** Queue job id of one delivery attempt: unique per row, requeue generation and attempt (no ':' allowed by BullMQ). */
export function attemptJobId(notificationId: string, generation: number, retryCount: number): string {
  return `${notificationId}-g${generation}-a${retryCount}`;
}
