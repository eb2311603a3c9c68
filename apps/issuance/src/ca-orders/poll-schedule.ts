/**
 * When an asynchronous CA's pending order is asked again: 5 s, 15 s, 45 s, 2 min, then every
 * 5 min, each ±20 % (jitter, so orders parked together do not poll together), never past the
 * order's deadline (the last poll happens at the deadline, then the job fails).
 */
export const CA_POLL_DELAYS_MS: readonly number[] = [5000, 15000, 45000, 120000, 300000];
export const CA_POLL_JITTER = 0.2;

/** The delay before poll number `polls + 1` (`polls` already done), jitter from `random` in [0, 1). */
export function pollDelayMs(polls: number, random: () => number = Math.random): number {
  const base = CA_POLL_DELAYS_MS[Math.min(Math.max(polls, 0), CA_POLL_DELAYS_MS.length - 1)]!;
  return Math.round(base * (1 - CA_POLL_JITTER + 2 * CA_POLL_JITTER * random()));
}

/** The next poll time, or null when the deadline has passed (the order has waited long enough). */
export function nextPollAt(polls: number, now: Date, deadline: Date, random: () => number = Math.random): Date | null {
  if (now.getTime() >= deadline.getTime()) return null;
  return new Date(Math.min(now.getTime() + pollDelayMs(polls, random), deadline.getTime()));
}

/** "3 d", "2 h", "90 s": how long an order was allowed to wait (to the second), for its error message. */
export function describeWait(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds >= 86400 && seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
