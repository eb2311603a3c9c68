import { Gauge, Histogram } from 'prom-client';
import { durationBuckets, registerOnce, registry } from '@certctl/observability';

export const QUEUE_JOB_DURATION = 'certctl_queue_job_duration_seconds';
export const QUEUE_DEAD_LETTERS = 'certctl_queue_dead_letter_jobs';

/**
 * The queue metrics, registered on first use: by a process that runs a worker or reads a
 * queue's dead letters. Services without queue work (the gateway, producers only) do not
 * list them on /metrics.
 */
export function queueJobDuration(): Histogram<'queue' | 'result'> {
  return registerOnce(
    QUEUE_JOB_DURATION,
    () =>
      new Histogram({
        name: QUEUE_JOB_DURATION,
        help: 'Duration of queue job processing by queue and result',
        labelNames: ['queue', 'result'] as const,
        buckets: durationBuckets,
        registers: [registry],
      }),
  );
}

export function queueDeadLetters(): Gauge<'queue'> {
  return registerOnce(
    QUEUE_DEAD_LETTERS,
    () =>
      new Gauge({
        name: QUEUE_DEAD_LETTERS,
        help: 'Jobs that failed after their last attempt and wait in the dead-letter state',
        labelNames: ['queue'] as const,
        registers: [registry],
      }),
  );
}

export const QUEUE_JOBS = 'certctl_queue_jobs';
/** The states counted by certctl_queue_jobs: the backlog (waiting, prioritized, delayed) and the jobs in work. */
export const QUEUE_JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active'] as const;
export type QueueJobCounts = Record<string, Partial<Record<(typeof QUEUE_JOB_STATES)[number], number>>>;

/**
 * Jobs per queue and state, read from Redis when /metrics is scraped (so the backlog is
 * current however long no job finishes). Registered by a process that works a queue; the
 * first caller's `counts` is the one read. A failed read leaves the previous values.
 */
export function queueJobs(counts: () => Promise<QueueJobCounts>): Gauge<'queue' | 'state'> {
  return registerOnce(
    QUEUE_JOBS,
    () =>
      new Gauge({
        name: QUEUE_JOBS,
        help: 'Jobs of a queue by state (waiting, prioritized, delayed, active), counted at scrape time',
        labelNames: ['queue', 'state'] as const,
        registers: [registry],
        async collect() {
          let now: QueueJobCounts;
          try {
            now = await counts();
          } catch {
            return;
          }
          for (const [queue, byState] of Object.entries(now)) {
            for (const state of QUEUE_JOB_STATES) this.set({ queue, state }, byState[state] ?? 0);
          }
        },
      }),
  );
}
