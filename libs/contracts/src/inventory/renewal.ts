import { contract } from '../contract';
import {
  renewalCreateJobsRequestSchema,
  renewalCreateJobsResponseSchema,
  renewalScanBatchRequestSchema,
  renewalScanBatchResponseSchema,
} from '../renewal-scan';

/** The scheduler's renewal scan, answered by inventory (it owns certificates and jobs). */
export const InventoryRenewal = {
  /** One keyset page of certificates with a current version. */
  scanBatch: contract({
    subject: 'certctl.v1.inventory.renewal.scan-batch',
    owner: 'inventory',
    callers: ['scheduler'],
    request: renewalScanBatchRequestSchema,
    response: renewalScanBatchResponseSchema,
  }),
  /** Renewal jobs, one per (certificate, version), deduplicated by idempotency key. */
  createJobs: contract({
    subject: 'certctl.v1.inventory.renewal.create-jobs',
    owner: 'inventory',
    callers: ['scheduler'],
    request: renewalCreateJobsRequestSchema,
    response: renewalCreateJobsResponseSchema,
  }),
} as const;
