import type { ItemStatus } from './reissuance-state';

export interface ProgressInput {
  counts: Partial<Record<ItemStatus, number>>;
  /** Items finished (done or failed) within the window. */
  finishedInWindow: number;
  /** The window, in minutes (at most five; shorter while the campaign is younger). */
  windowMinutes: number;
  /** The campaign's configured rate, used for the ETA before anything finished. */
  ratePerMinute: number;
}

/** A campaign's progress: counts, observed rate (items finished per minute) and ETA. */
export function campaignProgress({ counts, finishedInWindow, windowMinutes, ratePerMinute }: ProgressInput) {
  const count = (s: ItemStatus) => counts[s] ?? 0;
  const pending = count('pending');
  const inProgress = count('renewing') + count('deploying') + count('revoking');
  const done = count('done');
  const failed = count('failed');
  const cancelled = count('cancelled');
  const remaining = pending + inProgress;
  const observed = windowMinutes > 0 ? finishedInWindow / windowMinutes : 0;
  const rate = Math.round(observed * 10) / 10;
  const etaRate = observed > 0 ? observed : ratePerMinute;
  return {
    total: pending + inProgress + done + failed + cancelled,
    pending,
    in_progress: inProgress,
    done,
    failed,
    cancelled,
    remaining,
    rate_per_minute: rate,
    eta_seconds: remaining === 0 ? null : Math.ceil((remaining / Math.max(etaRate, 1e-9)) * 60),
  };
}

/** Starts are spread over the minute: at most a tenth of the rate per START_WINDOW_MS. */
export const START_WINDOW_MS = 6000;

/** How many items a campaign may start now: a tenth of its per-minute rate minus what it started in the last window, at most `cap`. */
export function startBudget(ratePerMinute: number, startedInWindow: number, cap: number): number {
  return Math.max(0, Math.min(cap, Math.ceil(ratePerMinute / 10) - startedInWindow));
}
