import { z } from 'zod';
import { revocationReasonSchema } from './revocation-schemas';
import { actorSchema, idSchema, isoDateSchema } from './schemas';

/** Emergency fleet re-issuance campaigns and the capacity planner: the REST and bus shapes. */

export const campaignStatusSchema = z.enum(['running', 'paused', 'completed', 'cancelled']);
export const campaignItemStatusSchema = z.enum(['pending', 'renewing', 'deploying', 'revoking', 'done', 'failed', 'cancelled']);
/** What a campaign may revoke the old versions with (a hold or its lifting makes no sense here). */
export const campaignRevokeReasonSchema = revocationReasonSchema.exclude(['removeFromCRL', 'certificateHold']);

export const createCampaignBodySchema = z
  .strictObject({
    issuer_id: idSchema.optional().describe('Every certificate of this issuer and of every issuer under it (intermediates)'),
    key_algorithm: z
      .string()
      .regex(/^[A-Za-z0-9-]{2,32}$/)
      .optional()
      .describe('Current version key algorithm, e.g. RSA, ECDSA'),
    key_size: z.number().int().min(1).max(16384).optional().describe('Current version key size in bits'),
    profile_id: idSchema.optional(),
    ids: z.array(idSchema).min(1).max(100000).optional(),
    new_issuer_id: idSchema.optional().describe('Replacements come from this issuer (the certificates move to it)'),
    revoke_old: campaignRevokeReasonSchema.nullable().default(null),
    rate_per_minute: z.number().int().min(1).max(100000).optional().describe('Replacements started per minute'),
    force_revoke: z.boolean().default(false).describe('Revoke the old version as soon as the replacement is issued, before it is verified'),
    dry_run: z.boolean().default(false).describe('Answer what would happen; write nothing'),
  })
  .refine((b) => [b.issuer_id, b.key_algorithm, b.key_size, b.profile_id, b.ids].some((v) => v !== undefined), {
    message: 'select certificates: give at least one of issuer_id, key_algorithm, key_size, profile_id, ids',
    path: ['issuer_id'],
  })
  .refine((b) => !b.force_revoke || b.revoke_old !== null, {
    message: 'force_revoke needs revoke_old',
    path: ['force_revoke'],
  });
export type CreateCampaignBody = z.output<typeof createCampaignBodySchema>;

export const campaignProgressSchema = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  in_progress: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  remaining: z.number().int(),
  /** Items finished per minute over the last five minutes. */
  rate_per_minute: z.number(),
  /** Seconds until the remaining items are done at the observed rate (or the configured one before any finished); null when nothing remains. */
  eta_seconds: z.number().int().nullable(),
});

export const campaignSchema = z.object({
  id: z.string(),
  status: campaignStatusSchema,
  selector: z.record(z.string(), z.unknown()),
  new_issuer_id: z.string().nullable(),
  revoke_old: campaignRevokeReasonSchema.nullable(),
  force_revoke: z.boolean(),
  rate_per_minute: z.number().int(),
  created_by: z.string(),
  created_at: isoDateSchema,
  updated_at: isoDateSchema,
  completed_at: isoDateSchema.nullable(),
  progress: campaignProgressSchema,
});
export type CampaignDto = z.infer<typeof campaignSchema>;

export const campaignDryRunSchema = z.object({
  dry_run: z.literal(true),
  total: z.number().int(),
  rate_per_minute: z.number().int(),
  estimated_seconds: z.number().int(),
  /** The first 1,000 certificates and what would happen to each. */
  items: z.array(
    z.object({
      certificate_id: z.string(),
      name: z.string(),
      issuer_id: z.string(),
      serial_number: z.string().nullable(),
      new_issuer_id: z.string(),
      steps: z.array(z.string()),
    }),
  ),
});

export const createCampaignResponseSchema = z.union([campaignSchema, campaignDryRunSchema]);

export const listCampaignsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  status: campaignStatusSchema.optional(),
});
export const listCampaignsResponseSchema = z.object({ data: z.array(campaignSchema) });

export const campaignItemSchema = z.object({
  id: z.string(),
  certificate_id: z.string(),
  status: campaignItemStatusSchema,
  old_serial: z.string().nullable(),
  old_issuer_id: z.string().nullable(),
  job_id: z.string().nullable(),
  new_version_id: z.string().nullable(),
  attempt: z.number().int(),
  last_error: z.string().nullable(),
  started_at: isoDateSchema.nullable(),
  finished_at: isoDateSchema.nullable(),
});
export const listCampaignItemsQuerySchema = z.strictObject({
  status: campaignItemStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: idSchema.optional().describe('next_cursor of the previous page'),
});
export const listCampaignItemsResponseSchema = z.object({ data: z.array(campaignItemSchema), next_cursor: z.string().nullable() });

export const campaignActionSchema = z.enum(['pause', 'resume', 'cancel']);

/** Bus requests. */
export const campaignCreateRequestSchema = z.object({ actor: actorSchema, body: createCampaignBodySchema });
export const campaignActionRequestSchema = z.object({ actor: actorSchema, id: idSchema, action: campaignActionSchema });
export const campaignItemsRequestSchema = listCampaignItemsQuerySchema.extend({ id: idSchema });
export const campaignItemRetryRequestSchema = z.object({ actor: actorSchema, id: idSchema, item_id: idSchema });
export const campaignTickResponseSchema = z.object({
  campaigns: z.number().int(),
  started: z.number().int(),
  advanced: z.number().int(),
  revoked: z.number().int(),
  failed: z.number().int(),
});

// ───────────── capacity planner ─────────────

export const capacityQuerySchema = z.strictObject({
  reissue: z.coerce
    .number()
    .int()
    .min(0)
    .max(10000000)
    .optional()
    .describe('Size of a mass re-issuance to plan for (default: the whole fleet)'),
});

const lifetimeScenarioSchema = z.object({
  name: z.string(),
  effective_from: isoDateSchema.nullable(),
  max_lifetime_days: z.number().int().nullable(),
  renewals_per_day: z.number(),
  peak_per_hour: z.number(),
  utilisation: z.number().nullable().describe('peak_per_hour / capacity per hour'),
});

export const capacityPlanSchema = z.object({
  generated_at: isoDateSchema,
  fleet: z.object({
    certificates: z.number().int(),
    by_lifetime_days: z.array(z.object({ lifetime_days: z.number().int(), count: z.number().int() })),
  }),
  capacity: z.object({
    issuances_per_second: z.number().nullable(),
    source: z.enum(['configured', 'measured', 'unknown']),
    measured_window_minutes: z.number().int(),
    issued_in_window: z.number().int(),
  }),
  scenarios: z.array(lifetimeScenarioSchema),
  mass_reissuance: z.object({
    certificates: z.number().int(),
    hours_at_full_capacity: z.number().nullable(),
    hours_beside_routine_renewals: z.number().nullable(),
    headroom_days_needed: z.number().nullable(),
  }),
  advice: z.array(z.string()),
});
export type CapacityPlanDto = z.infer<typeof capacityPlanSchema>;
