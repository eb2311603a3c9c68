import { AppError, outageError } from '@certctl/contracts';

/** How long one job keeps waiting out an outage without spending attempts (then attempts count again). */
export const DEPENDENCY_WAIT_MAX_MS = 15 * 60 * 1000;
/** The pause before a job that met an outage runs again: short, so work resumes soon after recovery. */
export const DEPENDENCY_RETRY_MS = 1000;

/** Set on a job's data while it waits out an outage (epoch ms of the first failure of this outage). */
export const WAITING_SINCE = 'dependency_unavailable_since';

/**
 * When an attempt failed because a platform service (or its database or bus) was unreachable,
 * the job is not at fault: it waits and runs again, its attempts untouched, for up to
 * DEPENDENCY_WAIT_MAX_MS of one outage; then (or for any other failure) null, and the queue's
 * attempts and backoff apply. Otherwise the delay before the next run, with jitter so a backlog
 * does not return all at once.
 */
export function dependencyRetryDelay(err: unknown, waitingSince: number | undefined, now: number, random = Math.random): number | null {
  const appErr = err instanceof AppError ? err : outageError(err);
  if (appErr?.code !== 'service_unavailable' || !appErr.retryable) return null;
  if (waitingSince !== undefined && now - waitingSince > DEPENDENCY_WAIT_MAX_MS) return null;
  return Math.round(DEPENDENCY_RETRY_MS * (1 + random()));
}
