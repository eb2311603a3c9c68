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
