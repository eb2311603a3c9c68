import { baseEnvSchema, databaseEnvSchema, encryptionEnvSchema, natsEnvSchema, portSchema, redisEnvSchema } from '@certctl/config';
import { isAbsolute } from 'node:path';
import { z } from 'zod';

export const issuanceEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend(encryptionEnvSchema.shape)
  .extend({
    CERTCTL_ISSUANCE_PORT: portSchema(8082),
    /** Issuance jobs processed at once by one replica. */
    CERTCTL_ISSUANCE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    /**
     * How soon a job held by a dead worker is delivered again: its lock lapses after
     * CERTCTL_ISSUANCE_LOCK_MS (renewed every half of it while the worker lives) and live
     * workers look for lapsed locks every CERTCTL_ISSUANCE_STALLED_INTERVAL_MS: within 20 s
     * by default (BullMQ's own defaults, 30 s each, made it up to a minute).
     */
    CERTCTL_ISSUANCE_LOCK_MS: z.coerce.number().int().min(1000).max(600000).default(15000),
    CERTCTL_ISSUANCE_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).max(600000).default(5000),
    // CERTCTL_ISSUANCE_ATTEMPTS / CERTCTL_ISSUANCE_BACKOFF_MS are read by inventory, which adds
    // the issuance jobs: BullMQ keeps attempts and backoff on each job (see QUEUE_RETRY).
    /**
     * Asynchronous CAs (a connector answered "pending"): how long an order may wait before its
     * job fails, and how often this replica looks for orders whose next poll is due (the polls
     * themselves back off: 5 s, 15 s, 45 s, 2 min, then every 5 min). docs/connectors.md.
     */
    CERTCTL_CA_ORDER_MAX_WAIT_MS: z.coerce
      .number()
      .int()
      .min(10000)
      .max(30 * 86400000)
      .default(3 * 86400000),
    CERTCTL_CA_ORDER_POLL_TICK_MS: z.coerce.number().int().min(100).max(60000).default(1000),
    /** Public base URL of the platform; CRL and OCSP pointers in certificates are built from it. */
    CERTCTL_PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:8080'),
    /** `acme` issuers may use a plain-http directory URL (tests only: RFC 8555 requires https). */
    CERTCTL_ACME_CONNECTOR_ALLOW_HTTP: z
      .enum(['true', 'false', '1', '0', ''])
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
    /**
     * Colon-separated absolute directories that script-connector executables must be in
     * (docs/connectors.md). Empty: no script issuer can be created or run.
     */
    CERTCTL_SCRIPT_CONNECTOR_DIRS: z
      .string()
      .default('')
      .transform((v) => v.split(':').filter(Boolean))
      .refine((dirs) => dirs.every((d) => isAbsolute(d)), 'must list absolute directories separated by ":"'),
  });
export type IssuanceConfig = z.output<typeof issuanceEnvSchema>;
export const ISSUANCE_CONFIG = Symbol('ISSUANCE_CONFIG');
