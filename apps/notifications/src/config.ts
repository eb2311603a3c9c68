import { baseEnvSchema, databaseEnvSchema, encryptionEnvSchema, natsEnvSchema, portSchema, redisEnvSchema } from '@certctl/config';
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const notificationsEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend(encryptionEnvSchema.shape)
  .extend({
    CERTCTL_NOTIFICATIONS_PORT: portSchema(8086),
    /** Attempts before a notification becomes `dead`. */
    CERTCTL_NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
    /** Backoff unit: the n-th retry waits 2^(n-1) units (default one minute; tests use a second). */
    CERTCTL_NOTIFY_BACKOFF_BASE_MS: z.coerce.number().int().min(10).default(60000),
    /** Backoff cap (default one hour). */
    CERTCTL_NOTIFY_BACKOFF_MAX_MS: z.coerce.number().int().min(10).default(3600000),
    /** Timeout of one HTTP or SMTP delivery attempt. */
    CERTCTL_NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(10000),
    /** Parallel deliveries per replica. */
    CERTCTL_NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(20),
    /** A delivery held by a replica that died is taken over after at most about twice this long. */
    CERTCTL_NOTIFY_STALLED_MS: z.coerce.number().int().min(1000).default(15000),
    /** How often rows whose queue entry was lost (Redis restarted, service killed) are put back on the queue. */
    CERTCTL_NOTIFY_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(200).default(30000),
    /**
     * Webhook and SMTP destinations may be private, loopback or link-local addresses (an internal
     * relay, local tests). Off by default: such destinations are refused (same policy as the ACME validators).
     */
    CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES: bool(false),
    /** Email channels may send their SMTP password without STARTTLS (`starttls: true`). Off by default. */
    CERTCTL_NOTIFY_SMTP_ALLOW_PLAINTEXT_AUTH: bool(false),
  });
export type NotificationsConfig = z.output<typeof notificationsEnvSchema>;
export const NOTIFICATIONS_CONFIG = Symbol('NOTIFICATIONS_CONFIG');
