import { z } from 'zod';
import { idSchema, isoDateSchema, nameSchema } from './schemas';

/**
 * Inventory's configuration resources (teams, owners, renewal policies, certificate
 * profiles, targets): their shapes. The contracts, create/get/list/update/delete over
 * certctl.v1.inventory.<entity>.<verb>, are in ./inventory/config.ts.
 */

const email = z.string().max(254).email();
const ekuSchema = z.enum(['serverAuth', 'clientAuth', 'emailProtection', 'codeSigning', 'timeStamping']);
const keyAlgorithmRule = z.strictObject({
  algorithm: z.enum(['ECDSA', 'RSA', 'Ed25519']),
  min_size: z.number().int().min(0).max(16384),
});
const sanRules = z.strictObject({
  allow_wildcards: z.boolean().default(true),
  allow_ip: z.boolean().default(true),
  allow_email: z.boolean().default(false),
  allow_uri: z.boolean().default(false),
  max_sans: z.number().int().min(1).max(1000).default(100),
  dns_suffixes: z.array(z.string().max(253)).max(100).default([]).describe('When non-empty, every DNS name must end with one of these'),
});
const stamps = { created_at: isoDateSchema, updated_at: isoDateSchema };
const optionalId = idSchema.optional().describe('Chosen id (default: generated)');

export const teamSchema = z.object({ id: z.string(), name: z.string(), description: z.string(), ...stamps });
export const createTeamSchema = z.strictObject({ id: optionalId, name: nameSchema, description: z.string().max(2000).default('') });
export const updateTeamSchema = z.strictObject({ name: nameSchema.optional(), description: z.string().max(2000).optional() });

export const ownerSchema = z.object({ id: z.string(), name: z.string(), email: z.string(), team_id: z.string().nullable(), ...stamps });
export const createOwnerSchema = z.strictObject({ id: optionalId, name: nameSchema, email, team_id: idSchema.nullable().optional() });
export const updateOwnerSchema = z.strictObject({
  name: nameSchema.optional(),
  email: email.optional(),
  team_id: idSchema.nullable().optional(),
});

const renewalPolicyFields = {
  name: nameSchema,
  renew_before_days: z.number().int().min(1).max(3650).nullable().describe('Renew this many days before expiry'),
  renew_before_fraction: z
    .number()
    .gt(0)
    .lt(1)
    .nullable()
    .describe('Or renew when this fraction of the lifetime remains (default: 1/3 remaining, i.e. at two thirds)'),
  auto_renew: z.boolean(),
  max_retries: z.number().int().min(1).max(100),
  alert_thresholds_days: z.array(z.number().int().min(0).max(3650)).max(20),
};
export const renewalPolicySchema = z.object({ id: z.string(), ...renewalPolicyFields, ...stamps });
const policyWindow = (v: { renew_before_days?: number | null; renew_before_fraction?: number | null }, ctx: z.RefinementCtx) => {
  if (v.renew_before_days != null && v.renew_before_fraction != null) {
    ctx.addIssue({ code: 'custom', path: ['renew_before_fraction'], message: 'give renew_before_days or renew_before_fraction, not both' });
  }
  // Renewing while most of the lifetime remains would renew again right after every issuance.
  if (v.renew_before_fraction != null && v.renew_before_fraction > MAX_RENEW_BEFORE_FRACTION) {
    const after = Math.round((1 - v.renew_before_fraction) * 1000) / 10;
    ctx.addIssue({
      code: 'custom',
      path: ['renew_before_fraction'],
      message: `${v.renew_before_fraction} renews after only ${after} % of the lifetime (a 90-day certificate after ${Math.round((1 - v.renew_before_fraction) * 90 * 10) / 10} days), so every scan would renew again; use at most ${MAX_RENEW_BEFORE_FRACTION}`,
    });
  }
};
/** The largest fraction of the lifetime that may remain when renewal starts (renew after at least a fifth of it). */
export const MAX_RENEW_BEFORE_FRACTION = 0.8;
export const createRenewalPolicySchema = z
  .strictObject({
    id: optionalId,
    name: nameSchema,
    renew_before_days: renewalPolicyFields.renew_before_days.optional(),
    renew_before_fraction: renewalPolicyFields.renew_before_fraction.optional(),
    auto_renew: z.boolean().default(true),
    max_retries: renewalPolicyFields.max_retries.default(3),
    alert_thresholds_days: renewalPolicyFields.alert_thresholds_days.default([30, 14, 7, 1]),
  })
  .superRefine(policyWindow);
export const updateRenewalPolicySchema = z
  .strictObject({
    name: nameSchema.optional(),
    renew_before_days: renewalPolicyFields.renew_before_days.optional(),
    renew_before_fraction: renewalPolicyFields.renew_before_fraction.optional(),
    auto_renew: z.boolean().optional(),
    max_retries: renewalPolicyFields.max_retries.optional(),
    alert_thresholds_days: renewalPolicyFields.alert_thresholds_days.optional(),
  })
  .superRefine(policyWindow);

const profileFields = {
  name: nameSchema,
  description: z.string().max(2000),
  allowed_key_algorithms: z.array(keyAlgorithmRule).min(1).max(10),
  max_validity_days: z.number().int().min(1).max(3650),
  /**
   * Validity in seconds (300 s to 3650 days); when set it wins over max_validity_days. Meant for
   * short-lived certificates and test profiles (watch a renewal within minutes). null: use days.
   */
  max_validity_seconds: z
    .number()
    .int()
    .min(300)
    .max(86_400 * 3650)
    .nullable(),
  ekus: z.array(ekuSchema).min(1).max(5),
  san_rules: sanRules,
  requires_approval: z.boolean(),
  short_lived: z.boolean(),
  key_generation: z.enum(['agent', 'server']),
  /** ACME: `challenge` validates every identifier; `trust_authenticated` trusts accounts bound by EAB (internal PKI). */
  acme_auth_mode: z.enum(['challenge', 'trust_authenticated']),
  /** ACME: new accounts must present an external account binding. */
  acme_eab_required: z.boolean(),
  /** ACME: accept identifiers that cannot be public DNS names (localhost, *.local, *.internal, *.test, single labels...). */
  allow_internal_names: z.boolean(),
};
export const profileSchema = z.object({ id: z.string(), ...profileFields, san_rules: z.record(z.string(), z.unknown()), ...stamps });
export const createProfileSchema = z
  .strictObject({
    id: optionalId,
    name: nameSchema,
    description: profileFields.description.default(''),
    allowed_key_algorithms: profileFields.allowed_key_algorithms.default([
      { algorithm: 'ECDSA', min_size: 256 },
      { algorithm: 'RSA', min_size: 2048 },
    ]),
    max_validity_days: profileFields.max_validity_days.default(397),
    max_validity_seconds: profileFields.max_validity_seconds.default(null),
    ekus: profileFields.ekus.default(['serverAuth']),
    san_rules: sanRules.default({} as never),
    requires_approval: z.boolean().default(false),
    short_lived: z.boolean().default(false),
    key_generation: profileFields.key_generation.default('server'),
    acme_auth_mode: profileFields.acme_auth_mode.default('challenge'),
    acme_eab_required: z.boolean().default(false),
    allow_internal_names: z.boolean().default(false),
  })
  .superRefine(smimeNeedsEmail);
export const updateProfileSchema = z
  .strictObject({
    name: nameSchema.optional(),
    description: profileFields.description.optional(),
    allowed_key_algorithms: profileFields.allowed_key_algorithms.optional(),
    max_validity_days: profileFields.max_validity_days.optional(),
    max_validity_seconds: profileFields.max_validity_seconds.optional(),
    ekus: profileFields.ekus.optional(),
    san_rules: sanRules.optional(),
    requires_approval: z.boolean().optional(),
    short_lived: z.boolean().optional(),
    key_generation: profileFields.key_generation.optional(),
    acme_auth_mode: profileFields.acme_auth_mode.optional(),
    acme_eab_required: z.boolean().optional(),
    allow_internal_names: z.boolean().optional(),
  })
  .superRefine(smimeNeedsEmail);

function smimeNeedsEmail(v: { ekus?: string[]; san_rules?: { allow_email?: boolean } }, ctx: z.RefinementCtx) {
  if (v.ekus?.includes('emailProtection') && v.san_rules && v.san_rules.allow_email === false) {
    ctx.addIssue({ code: 'custom', path: ['san_rules', 'allow_email'], message: 'must be true for S/MIME (emailProtection) profiles' });
  }
}

export const targetTypeSchema = z.enum([
  'nginx',
  'apache',
  'haproxy',
  'envoy',
  'traefik',
  'caddy',
  'iis',
  'f5',
  'kubernetes-secret',
  'file',
  'script',
  'directory',
  'postfix',
  'dovecot',
  'keystore',
  'ssh',
  'aws-acm',
]);
export type TargetType = z.infer<typeof targetTypeSchema>;
export const targetSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: targetTypeSchema,
  agent_id: z.string().nullable(),
  config: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  ...stamps,
});
const targetConfig = z
  .record(z.string().max(64), z.unknown())
  .refine((v) => JSON.stringify(v).length <= 16384, 'must be at most 16 KiB of JSON');
export const createTargetSchema = z.strictObject({
  id: optionalId,
  name: nameSchema,
  type: targetTypeSchema,
  agent_id: idSchema.nullable().optional().describe('The agent that deploys to this target'),
  config: targetConfig.default({}),
  enabled: z.boolean().default(true),
});
export const updateTargetSchema = z.strictObject({
  name: nameSchema.optional(),
  agent_id: idSchema.nullable().optional(),
  config: targetConfig.optional(),
  enabled: z.boolean().optional(),
});

export const configListRequestSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});
export const configDeleteResponseSchema = z.object({ id: z.string(), deleted: z.literal(true) });

export type ConfigEntity = 'team' | 'owner' | 'renewal_policy' | 'profile' | 'target';
