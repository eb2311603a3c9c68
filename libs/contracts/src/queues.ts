/**
 * BullMQ queue names. NEVER rename a value: jobs already queued under the old name
 * would be stranded. Names are string constants, never derived from class names.
 */
export enum QueueName {
  Issuance = 'certctl-issuance',
  Notifications = 'certctl-notifications',
  Deployment = 'certctl-deployment',
  BulkRevocation = 'certctl-bulk-revocation',
}

/** How a queue retries a failing job before it goes to the dead-letter state. */
export interface QueueRetryPolicy {
  /** Attempts (first try included) before the job is dead-lettered. */
  attempts: number;
  /** Delay before the first retry in ms; doubles on each further retry. */
  backoffMs: number;
}

/**
 * The retry policy of each queue: the one place producers and consumers take it from.
 * BullMQ stores attempts and backoff on each job when it is added, so the producer's
 * values are the ones that apply; a producer may override them from its environment
 * (inventory: CERTCTL_ISSUANCE_ATTEMPTS / CERTCTL_ISSUANCE_BACKOFF_MS), and consumers read
 * the bound back from the job (job.opts.attempts), never from their own settings.
 */
export const QUEUE_RETRY: Readonly<Record<QueueName, Readonly<QueueRetryPolicy>>> = {
  [QueueName.Issuance]: { attempts: 5, backoffMs: 2000 },
  [QueueName.Notifications]: { attempts: 5, backoffMs: 1000 },
  [QueueName.Deployment]: { attempts: 5, backoffMs: 1000 },
  /** Each attempt resumes where the last stopped (revoking is idempotent), so more tries are cheap. */
  [QueueName.BulkRevocation]: { attempts: 10, backoffMs: 1000 },
};

/** Payload of an issuance queue job. The queue job id is the jobs-table id (idempotency key). */
export interface IssuanceJobData {
  job_id: string;
  certificate_id: string;
  traceparent?: string;
}

export interface QueueJobData {
  [QueueName.Issuance]: IssuanceJobData;
  [QueueName.Notifications]: { notification_id: string; traceparent?: string };
  [QueueName.Deployment]: { job_id: string; traceparent?: string };
  [QueueName.BulkRevocation]: { bulk_id: string; traceparent?: string };
}
