import type { Bar } from '../components/bar-chart';

const DAY_MS = 86_400_000;

/** Certificates expiring in the next `days` days, counted per week from `now` (week 1 = the next 7 days). */
export function expiryByWeek(notAfter: (string | null)[], now: Date, days = 90): Bar[] {
  const weeks = Math.ceil(days / 7);
  const counts = new Array<number>(weeks).fill(0);
  for (const value of notAfter) {
    if (!value) continue;
    const offset = (new Date(value).getTime() - now.getTime()) / DAY_MS;
    if (offset < 0 || offset >= days) continue;
    counts[Math.floor(offset / 7)] += 1;
  }
  return counts.map((count, index) => ({ label: `w${index + 1}`, values: [count] }));
}

/** Jobs that completed or failed per day over the last `days` days (oldest first), by their last update. */
export function jobOutcomesByDay(jobs: { status: string; updated_at: string }[], now: Date, days = 30): Bar[] {
  const bars: Bar[] = [];
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (days - 1) * DAY_MS;
  for (let day = 0; day < days; day++) {
    const date = new Date(start + day * DAY_MS);
    bars.push({ label: `${date.getUTCMonth() + 1}/${date.getUTCDate()}`, values: [0, 0] });
  }
  for (const job of jobs) {
    const index = Math.floor((new Date(job.updated_at).getTime() - start) / DAY_MS);
    if (index < 0 || index >= days) continue;
    if (job.status === 'completed') bars[index].values[0] += 1;
    if (job.status === 'failed') bars[index].values[1] += 1;
  }
  return bars;
}
