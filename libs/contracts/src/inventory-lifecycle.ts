import { z } from 'zod';
import {
  certificateVersionSchema,
  jobTypeSchema,
  tagsSchema,
  certificateStatusSchema,
  idSchema,
  isoDateSchema,
  jobStatusSchema,
  nameSchema,
} from './schemas';

/** Certificate changes after creation: update, renew (one or many), and the dashboard summary. */

export const updateCertificateBodySchema = z.strictObject({
  name: nameSchema.optional(),
  environment: z.string().max(64).optional(),
  tags: tagsSchema.optional(),
  owner_id: idSchema.optional(),
  team_id: idSchema.optional(),
  renewal_policy_id: idSchema.optional(),
  profile_id: idSchema.nullable().optional(),
  target_ids: z.array(idSchema).max(50).optional().describe('Replaces the target bindings'),
});

export const renewResponseSchema = z.object({ certificate_id: z.string(), job_id: z.string(), status: jobStatusSchema });

export const bulkRenewBodySchema = z
  .strictObject({
    ids: z.array(idSchema).min(1).max(10000).optional(),
    filter: z
      .strictObject({
        status: certificateStatusSchema.optional(),
        issuer_id: idSchema.optional(),
        owner_id: idSchema.optional(),
        team_id: idSchema.optional(),
        expires_before: isoDateSchema.optional(),
      })
      // An empty filter would renew the whole fleet: at least one criterion, always.
      .refine(
        (f) => Object.values(f).some((v) => v !== undefined),
        'name at least one criterion (status, issuer_id, owner_id, team_id, expires_before)',
      )
      .optional(),
  })
  .refine((v) => (v.ids ? 1 : 0) + (v.filter ? 1 : 0) === 1, { message: 'give either ids or filter', path: ['ids'] });

export const bulkRenewResponseSchema = z.object({
  requested: z.number().int(),
  queued: z.number().int(),
  skipped: z.array(z.object({ certificate_id: z.string(), reason: z.string() })),
  jobs: z.array(z.object({ certificate_id: z.string(), job_id: z.string() })),
});

export const statsSummarySchema = z.object({
  certificates: z.object({ total: z.number().int(), by_status: z.record(z.string(), z.number().int()) }),
  expiring: z.object({ within_7_days: z.number().int(), within_30_days: z.number().int() }),
  jobs: z.object({ by_status: z.record(z.string(), z.number().int()) }),
  agents: z.object({ online: z.number().int(), offline: z.number().int(), retired: z.number().int() }),
});
export const dashboardSummarySchema = statsSummarySchema.extend({
  notifications: z
    .object({ dead: z.number().int(), by_status: z.record(z.string(), z.number().int()) })
    .nullable()
    .describe('null when the notifications service did not answer'),
});

/** One issued version of a certificate, with what caused it (the job that produced it, and who asked). */
export const certificateVersionHistorySchema = certificateVersionSchema.extend({
  job_id: z.string().nullable(),
  cause: z
    .object({ job_type: jobTypeSchema, requested_by: z.string() })
    .nullable()
    .describe(
      'The job that produced this version (issuance or renewal) and its requester (an API key principal, `scheduler`, `acme:<account>`); null when unknown',
    ),
});
export const certificatePemQuerySchema = z.strictObject({
  part: z.enum(['fullchain', 'leaf', 'chain']).default('fullchain').describe('fullchain (leaf then chain), leaf, or chain'),
});
export const certificateVersionsResponseSchema = z.object({ data: z.array(certificateVersionHistorySchema) });
