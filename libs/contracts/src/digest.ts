import { z } from 'zod';

/**
 * Shapes of the scheduler's daily digest of what needs attention. Inventory answers the lists
 * (it owns certificates, jobs and agents: ./inventory/digest.ts); counts come from
 * `stats.summary` and the notifications service's `notification.counts`.
 */

/** At most this many items per section (keeps the digest under the alert's 10,000-character message). */
export const DIGEST_MAX_ITEMS = 25;

export const digestItemsRequestSchema = z.object({
  /** Items per section, soonest or oldest first. */
  limit: z.number().int().min(1).max(DIGEST_MAX_ITEMS).default(10),
  /** Failed jobs are those that failed at or after this instant (the digest uses the last 24 h). */
  failed_since: z.iso.datetime(),
  /** Expiring certificates listed: those expiring within this many days. */
  expiring_within_days: z.number().int().min(1).max(365).default(30),
});

export const digestCertificateItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  expires_at: z.string(),
});
export const digestJobItemSchema = z.object({
  id: z.string(),
  type: z.string(),
  certificate_id: z.string(),
  certificate_name: z.string(),
  /** When it failed (failed jobs) or was created (jobs awaiting approval). */
  at: z.string(),
  last_error: z.string().nullable(),
  requested_by: z.string(),
});
export const digestAgentItemSchema = z.object({ id: z.string(), name: z.string(), last_heartbeat_at: z.string().nullable() });
export const digestNotificationItemSchema = z.object({
  id: z.string(),
  event: z.string(),
  channel: z.string(),
  subject: z.string(),
  last_error: z.string().nullable(),
});

export const digestItemsResponseSchema = z.object({
  /** Live certificates expiring within `expiring_within_days`, soonest first. */
  expiring: z.array(digestCertificateItemSchema),
  failed_jobs: z.object({ count: z.number().int(), items: z.array(digestJobItemSchema) }),
  /** Oldest first. */
  awaiting_approval: z.array(digestJobItemSchema),
  /** Longest silent first. */
  agents_offline: z.array(digestAgentItemSchema),
});

const section = <T extends z.ZodType>(item: T) => z.object({ count: z.number().int(), items: z.array(item) });

/** The digest as delivered: the alert's `data` (the webhook's `data`, the source of the email's HTML). */
export const digestContentSchema = z.object({
  /** The UTC day the digest is for (one digest per day). */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  generated_at: z.string(),
  expiring: z.object({
    within_7_days: z.number().int(),
    within_30_days: z.number().int(),
    items: z.array(digestCertificateItemSchema),
  }),
  failed_jobs: section(digestJobItemSchema).extend({ since: z.string() }),
  awaiting_approval: section(digestJobItemSchema),
  notifications_dead: section(digestNotificationItemSchema),
  agents_offline: section(digestAgentItemSchema),
});
export type DigestContent = z.infer<typeof digestContentSchema>;
