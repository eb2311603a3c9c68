import {
  baseEnvSchema,
  databaseEnvSchema,
  encryptionEnvSchema,
  natsEnvSchema,
  portSchema,
  redisEnvSchema,
  renewalEnvSchema,
} from '@certctl/config';
import { QUEUE_RETRY, QueueName } from '@certctl/contracts';
import type { QueueOptions } from '@certctl/queue';
import { z } from 'zod';

const issuanceRetry = QUEUE_RETRY[QueueName.Issuance];

export const inventoryEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  // Seals the secrets inside deployment target settings (passwords, tokens, webhook URLs).
  .extend(encryptionEnvSchema.shape)
  // The scheduler's renewal jitter: each certificate shows when its renewal job starts.
  .extend(renewalEnvSchema.shape)
  .extend({
    CERTCTL_INVENTORY_PORT: portSchema(8081),
    /** How often pending issuance jobs are put back on the queue if their queue entry was lost. */
    CERTCTL_INVENTORY_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1000).default(60000),
    /** Heartbeats arriving within this many ms are written by one UPDATE (0: the next turn of the event loop). */
    CERTCTL_HEARTBEAT_BATCH_MS: z.coerce.number().int().min(0).max(1000).default(2),
    /** At most this many agents per heartbeat UPDATE. */
    CERTCTL_HEARTBEAT_BATCH_MAX: z.coerce.number().int().min(1).max(10000).default(500),
    /** Default validity of a certificate whose profile does not say. */
    CERTCTL_DEFAULT_VALIDITY_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    /**
     * Retry policy of the issuance queue. Inventory adds the issuance jobs and BullMQ keeps
     * attempts and backoff on each job, so this is where they are read; the issuance worker
     * takes the bound from the job.
     */
    CERTCTL_ISSUANCE_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(issuanceRetry.attempts),
    CERTCTL_ISSUANCE_BACKOFF_MS: z.coerce.number().int().min(10).default(issuanceRetry.backoffMs),
    /** Network scans may only cover blocks inside these (comma-separated CIDRs); empty: scanning off. */
    CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS: z.string().default(''),
    /** Where a discovered certificate imported without naming them lands: its issuer (renewals), owner, team and renewal policy. */
    CERTCTL_DISCOVERY_IMPORT_ISSUER_ID: z.string().default('iss-local'),
    CERTCTL_DISCOVERY_IMPORT_OWNER_ID: z.string().default('o-alice'),
    CERTCTL_DISCOVERY_IMPORT_TEAM_ID: z.string().default('t-platform'),
    CERTCTL_DISCOVERY_IMPORT_RENEWAL_POLICY_ID: z.string().default('rp-standard'),
    /** Replacements a re-issuance campaign starts per minute when it does not say (docs/fleet-reissuance.md). */
    CERTCTL_REISSUANCE_DEFAULT_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100000).default(300),
    /** The platform's issuance capacity for the capacity planner; unset: the busiest minute of the last hour is used (docs/capacity.md). */
    CERTCTL_CAPACITY_ISSUANCES_PER_SECOND: z.coerce.number().positive().optional(),
  });
export type InventoryConfig = z.output<typeof inventoryEnvSchema>;
export const INVENTORY_CONFIG = Symbol('INVENTORY_CONFIG');

/** Inventory's queue settings: the retry policy of the jobs it adds. */
export function inventoryQueueOptions(config: InventoryConfig): QueueOptions {
  return {
    redisUrl: config.REDIS_URL,
    retry: { [QueueName.Issuance]: { attempts: config.CERTCTL_ISSUANCE_ATTEMPTS, backoffMs: config.CERTCTL_ISSUANCE_BACKOFF_MS } },
  };
}
