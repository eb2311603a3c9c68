import { z } from 'zod';

/**
 * Shapes of inventory's renewal and maintenance contracts (renewal scan, renewal jobs, expiry
 * status, offline agents, stale jobs). Inventory owns certificates, jobs and agents; the
 * scheduler reads and writes them only through these (contracts in ./inventory).
 */

/** One page of the renewal scan: certificates with a current version, keyset-paginated by id. */
export const renewalScanBatchRequestSchema = z.object({
  after_id: z.string().max(128).optional(),
  limit: z.number().int().min(1).max(2000).default(1000),
  /**
   * `renewal`: only versions at (or within an hour of) their renewal time; `expiry`: only
   * versions within their policy's largest alert threshold; `all`: every certificate.
   * A coarse filter in SQL; the scheduler decides exactly.
   */
  only: z.enum(['all', 'renewal', 'expiry']).default('all'),
});
export const scanCertificateSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  version_id: z.string(),
  not_before: z.string(),
  not_after: z.string(),
  renewal_policy_id: z.string(),
  renew_before_days: z.number().int().nullable(),
  renew_before_fraction: z.number().nullable(),
  auto_renew: z.boolean(),
  alert_thresholds_days: z.array(z.number().int()),
  requires_approval: z.boolean(),
  team_id: z.string(),
  owner_id: z.string(),
  owner_email: z.string(),
  /** The issuer's suggested renewal window (ACME ARI): renewal happens inside it, not by the policy. */
  ari_window_start: z.string().nullable().optional(),
  ari_window_end: z.string().nullable().optional(),
});
export type ScanCertificate = z.infer<typeof scanCertificateSchema>;
export const renewalScanBatchResponseSchema = z.object({ data: z.array(scanCertificateSchema), next_after_id: z.string().nullable() });

/** Renewal jobs to create: one per (certificate, version), deduplicated by idempotency key. */
export const renewalCreateJobsRequestSchema = z.object({
  jobs: z
    .array(
      z.object({
        certificate_id: z.string(),
        version_id: z.string(),
        /** When the renewal should start (the scan spreads these with jitter). */
        scheduled_at: z.string(),
      }),
    )
    .max(10000),
});
export const renewalCreateJobsResponseSchema = z.object({
  created: z.number().int(),
  awaiting_approval: z.number().int(),
  duplicates: z.number().int(),
  /** Jobs created in awaiting_approval, so the scheduler can alert approvers. */
  awaiting_jobs: z.array(z.object({ job_id: z.string(), certificate_id: z.string() })).default([]),
});

export const agentMarkOfflineRequestSchema = z.object({ heartbeat_before: z.string() });
export const agentMarkOfflineResponseSchema = z.object({ marked: z.number().int(), agent_ids: z.array(z.string()) });

export const jobReapStaleRequestSchema = z.object({
  running_before: z.string(),
  awaiting_csr_before: z.string(),
  awaiting_approval_before: z.string(),
});
export const markExpiryRequestSchema = z.object({ expiring_within_days: z.number().int().min(0).max(365) });
export const markExpiryResponseSchema = z.object({ expiring: z.number().int(), expired: z.array(z.string()) });

export const jobReapStaleResponseSchema = z.object({ requeued: z.number().int(), failed: z.number().int() });
