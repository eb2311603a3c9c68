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
