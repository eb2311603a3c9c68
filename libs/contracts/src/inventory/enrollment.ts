import { z } from 'zod';
import { contract } from '../contract';
import { actorSchema, idSchema, isoDateSchema } from '../schemas';
import { estSettingsInternalSchema, estSettingsPatchSchema, estSettingsSchema, estSettingsViewSchema } from './enrollment-est';
import { scepSettingsInternalSchema, scepSettingsPatchSchema, scepSettingsSchema, scepSettingsViewSchema } from './enrollment-scep';

export const enrollmentProtocolSchema = z.enum(['est', 'scep']);
export type EnrollmentProtocol = z.infer<typeof enrollmentProtocolSchema>;
/** What a client puts in the URL (`/.well-known/est/<label>/`, `/scep/<label>`). */
export const enrollmentLabelSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lower-case letters, digits or -');

const placement = {
  profile_id: idSchema.describe('The certificate profile whose rules (key algorithm, SANs, validity) enrollments go through'),
  issuer_id: idSchema,
  owner_id: idSchema,
  team_id: idSchema,
  renewal_policy_id: idSchema,
};
const createCommon = { label: enrollmentLabelSchema, ...placement, enabled: z.boolean().default(true) };

/** A new enrollment profile: `settings` are those of its protocol. */
export const createEnrollmentProfileBodySchema = z.discriminatedUnion('protocol', [
  z.strictObject({ protocol: z.literal('est'), ...createCommon, settings: estSettingsSchema.default({} as never) }),
  z.strictObject({ protocol: z.literal('scep'), ...createCommon, settings: scepSettingsSchema.default({}) }),
]);
export type CreateEnrollmentProfileBody = z.output<typeof createEnrollmentProfileBodySchema>;

/** A change: only the fields given; `settings` keys given replace those stored (the protocol cannot change). */
export const updateEnrollmentProfileBodySchema = z.strictObject({
  label: enrollmentLabelSchema.optional(),
  profile_id: idSchema.optional(),
  issuer_id: idSchema.optional(),
  owner_id: idSchema.optional(),
  team_id: idSchema.optional(),
  renewal_policy_id: idSchema.optional(),
  enabled: z.boolean().optional(),
  settings: z.union([estSettingsPatchSchema, scepSettingsPatchSchema]).optional(),
});
export type UpdateEnrollmentProfileBody = z.output<typeof updateEnrollmentProfileBodySchema>;

const profileCommon = {
  id: z.string(),
  label: z.string(),
  profile_id: z.string(),
  issuer_id: z.string(),
  owner_id: z.string(),
  team_id: z.string(),
  renewal_policy_id: z.string(),
  enabled: z.boolean(),
  created_by: z.string(),
  created_at: isoDateSchema,
  updated_at: isoDateSchema,
};
/** An enrollment profile as the API answers it: secrets masked. */
export const enrollmentProfileSchema = z.discriminatedUnion('protocol', [
  z.object({ protocol: z.literal('est'), ...profileCommon, settings: estSettingsViewSchema }),
  z.object({ protocol: z.literal('scep'), ...profileCommon, settings: scepSettingsViewSchema }),
]);
export type EnrollmentProfileDto = z.infer<typeof enrollmentProfileSchema>;

/** An enrollment profile as the gateway's protocol edges use it: sealed secrets opened, the EST password as its verifier. */
export const enrollmentProfileInternalSchema = z.discriminatedUnion('protocol', [
  z.object({ protocol: z.literal('est'), ...profileCommon, settings: estSettingsInternalSchema }),
  z.object({ protocol: z.literal('scep'), ...profileCommon, settings: scepSettingsInternalSchema }),
]);
export type EnrollmentProfileInternal = z.infer<typeof enrollmentProfileInternalSchema>;

export const listEnrollmentProfilesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
  protocol: enrollmentProtocolSchema.optional(),
});

/** One enrollment (EST simpleenroll/simplereenroll/serverkeygen, SCEP PKCSReq/RenewalReq) for inventory to record. */
export const enrollmentIssueRequestSchema = z.object({
  protocol: enrollmentProtocolSchema,
  enrollment_profile_id: idSchema,
  /** The client's transaction or request id: `${protocol}:${enrollment_profile_id}:${request_id}` is the job's idempotency key. */
  request_id: z.string().min(1).max(200),
  /** Who enrolls, for the audit trail and the job's requested_by (`est:demo:10.0.0.1`, a client certificate subject). */
  client: z.string().min(1).max(512),
  common_name: z.string().min(1).max(253),
  sans: z.array(z.string().min(1).max(253)).min(1).max(100),
  csr_pem: z.string().min(1).max(65536),
  /** Re-enrollment: the managed certificate (of this enrollment profile) that gets a new version. */
  renews_certificate_id: idSchema.optional(),
});
export const enrollmentIssueResponseSchema = z.object({
  certificate_id: z.string(),
  job_id: z.string(),
  job_status: z.string(),
  renewal: z.boolean(),
});

/** A client certificate presented to re-enroll: is it a current certificate this enrollment profile issued? */
export const enrollmentRenewableRequestSchema = z.object({
  enrollment_profile_id: idSchema,
  fingerprint_sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export const enrollmentRenewableResponseSchema = z.object({
  certificate_id: z.string(),
  common_name: z.string(),
  sans: z.array(z.string()),
});

const gateway = ['gateway'] as const;
const declare = <Req extends z.ZodType, Res extends z.ZodType>(verb: string, request: Req, response: Res) =>
  contract({ subject: `certctl.v1.inventory.enrollment.${verb}`, owner: 'inventory', callers: gateway, request, response });

/** EST and SCEP enrollment profiles (admin CRUD) and the enrollments they let clients make, owned by inventory. */
export const InventoryEnrollment = {
  profileCreate: declare(
    'profile-create',
    z.object({ actor: actorSchema, body: createEnrollmentProfileBodySchema }),
    enrollmentProfileSchema,
  ),
  profileGet: declare('profile-get', z.object({ id: idSchema }), enrollmentProfileSchema),
  profileList: declare(
    'profile-list',
    listEnrollmentProfilesQuerySchema,
    z.object({ data: z.array(enrollmentProfileSchema), next_cursor: z.string().nullable() }),
  ),
  profileUpdate: declare(
    'profile-update',
    z.object({ actor: actorSchema, id: idSchema, body: updateEnrollmentProfileBodySchema }),
    enrollmentProfileSchema,
  ),
  profileDelete: declare(
    'profile-delete',
    z.object({ actor: actorSchema, id: idSchema }),
    z.object({ id: z.string(), deleted: z.literal(true) }),
  ),
  /** The profile a protocol edge serves at `label` (absent: the protocol's default profile), secrets usable; 404 when unknown. */
  profileResolve: declare(
    'profile-resolve',
    z.object({ protocol: enrollmentProtocolSchema, label: enrollmentLabelSchema.optional() }),
    enrollmentProfileInternalSchema,
  ),
  /** Records one enrollment: the managed certificate (new, or a new version of `renews_certificate_id`) and its job carrying the CSR. */
  issue: declare('issue', enrollmentIssueRequestSchema, enrollmentIssueResponseSchema),
  /** The current managed certificate of the enrollment profile with this fingerprint; 404 when none. */
  renewable: declare('renewable', enrollmentRenewableRequestSchema, enrollmentRenewableResponseSchema),
} as const;
