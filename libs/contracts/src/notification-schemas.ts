import { z } from 'zod';
import { idSchema } from './schemas';

/**
 * Notifications: shapes of the notifications service's contracts (alert dispatch, delivery rows,
 * channels, routing rules). Subjects are wire names: never rename one.
 */
export const notificationStatusSchema = z.enum(['pending', 'sent', 'failed', 'dead']);
export const severitySchema = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof severitySchema>;
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** Event types a routing rule can select. */
export const alertEventSchema = z.enum([
  'certificate.expiring',
  'certificate.renewal_due',
  'renewal.failed',
  'certificate.issued',
  'certificate.revoked',
  'job.awaiting_approval',
  'agent.offline',
  'digest',
  'health.status_changed',
]);
export type AlertEvent = z.infer<typeof alertEventSchema>;

export const channelTypeSchema = z.enum(['webhook', 'email', 'slack', 'teams', 'pagerduty', 'opsgenie']);
export type ChannelType = z.infer<typeof channelTypeSchema>;

/** One alert to route: the scheduler and event handlers send these; `dedupe_key` makes it once per channel. */
export const alertSchema = z.object({
  event: alertEventSchema,
  severity: severitySchema.default('info'),
  subject: z.string().max(500),
  message: z.string().max(10000),
  dedupe_key: z.string().max(300).optional(),
  certificate: z
    .object({
      id: z.string(),
      name: z.string(),
      expires_at: z.string().nullable().optional(),
      renewal_policy_id: z.string().optional(),
      team_id: z.string().optional(),
      owner_id: z.string().optional(),
      owner_email: z.string().optional(),
    })
    .optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type Alert = z.input<typeof alertSchema>;

export const dispatchRequestSchema = z.object({ alerts: z.array(alertSchema).max(2000) });
export const dispatchResponseSchema = z.object({ created: z.number().int(), duplicates: z.number().int() });

export const notificationSchema = z.object({
  id: z.string(),
  /** The alert's event (the same name as `event` in alerts and delivered payloads). */
  event: z.string(),
  certificate_id: z.string().nullable(),
  channel: z.string(),
  channel_id: z.string().nullable(),
  recipient: z.string(),
  subject: z.string(),
  message: z.string(),
  severity: z.string(),
  status: notificationStatusSchema,
  retry_count: z.number().int(),
  next_retry_at: z.string().nullable(),
  last_error: z.string().nullable(),
  delivered_attempt: z.number().int().nullable(),
  sent_at: z.string().nullable(),
  created_at: z.string(),
});
export type NotificationDto = z.infer<typeof notificationSchema>;

export const listNotificationsRequestSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
  status: notificationStatusSchema.optional(),
  certificate_id: idSchema.optional(),
  event: alertEventSchema.optional(),
  channel_id: idSchema.optional(),
});
export const listNotificationsResponseSchema = z.object({ data: z.array(notificationSchema), next_cursor: z.string().nullable() });

const httpsOrHttp = z
  .string()
  .regex(/^https?:\/\//, 'must be an http(s) URL')
  .max(2000);
/** Non-secret channel settings; which apply depends on the type (see docs/notifications.md). */
export const channelConfigSchema = z.strictObject({
  url: httpsOrHttp.optional(),
  smtp_host: z.string().max(255).optional(),
  smtp_port: z.number().int().min(1).max(65535).optional(),
  smtp_user: z.string().max(255).optional(),
  starttls: z.boolean().optional(),
  from: z.string().max(255).optional(),
  to: z.array(z.string().max(255)).max(50).optional(),
  to_owner: z.boolean().optional(),
});
export const createChannelBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  type: channelTypeSchema,
  config: channelConfigSchema.default({}),
  /** HMAC key (webhook), SMTP password (email), routing key (PagerDuty), API key (OpsGenie). Write-only. */
  secret: z.string().min(1).max(4096).optional(),
  enabled: z.boolean().default(true),
});
export const channelSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: channelTypeSchema,
  config: z.record(z.string(), z.unknown()),
  has_secret: z.boolean(),
  enabled: z.boolean(),
  created_at: z.string(),
});
export const listChannelsResponseSchema = z.object({ data: z.array(channelSchema) });

/** At least one field: an empty PATCH is a 422 rather than a silent no-op. */
const notEmpty = (body: Record<string, unknown>) => Object.keys(body).length > 0;
const NOTHING_TO_CHANGE = { message: 'give at least one field to change', path: [] };

/**
 * PATCH of a channel: only the fields given change. `config` keys given replace the stored ones
 * (the others stay); `secret: null` removes the secret. The type cannot change (create another channel).
 */
export const updateChannelBodySchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    config: channelConfigSchema.optional(),
    secret: z.string().min(1).max(4096).nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .refine(notEmpty, NOTHING_TO_CHANGE);

/** What a test message through a channel did: nothing is stored, no notification row is written. */
export const channelTestResultSchema = z.object({
  ok: z.boolean(),
  /** The receiver's HTTP status when the channel speaks HTTP and an answer came; else null. */
  status: z.number().int().nullable(),
  /** "delivered", or why not (the same safe text a failed delivery stores in last_error). */
  detail: z.string(),
  duration_ms: z.number().int(),
});

export const createRuleBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  renewal_policy_id: idSchema.optional(),
  team_id: idSchema.optional(),
  owner_id: idSchema.optional(),
  events: z.array(alertEventSchema).min(1),
  min_severity: severitySchema.default('info'),
  channel_ids: z.array(idSchema).min(1).max(20),
  enabled: z.boolean().default(true),
});
export const ruleSchema = z.object({
  id: z.string(),
  name: z.string(),
  renewal_policy_id: z.string().nullable(),
  team_id: z.string().nullable(),
  owner_id: z.string().nullable(),
  events: z.array(z.string()),
  min_severity: severitySchema,
  channel_ids: z.array(z.string()),
  enabled: z.boolean(),
  created_at: z.string(),
});
export const listRulesResponseSchema = z.object({ data: z.array(ruleSchema) });

/** PATCH of a rule: only the fields given change; a selector set to null matches every certificate again. */
export const updateRuleBodySchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    renewal_policy_id: idSchema.nullable().optional(),
    team_id: idSchema.nullable().optional(),
    owner_id: idSchema.nullable().optional(),
    events: z.array(alertEventSchema).min(1).optional(),
    min_severity: severitySchema.optional(),
    channel_ids: z.array(idSchema).min(1).max(20).optional(),
    enabled: z.boolean().optional(),
  })
  .refine(notEmpty, NOTHING_TO_CHANGE);

export const notificationActorSchema = z.object({ principal: z.string().min(1), role: z.string().min(1) });
