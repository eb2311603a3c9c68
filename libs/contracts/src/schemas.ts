import { z } from 'zod';
import { isIP } from 'node:net';
import { isDnsName, isSafeName, isSubjectAltName } from './identifiers';

export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be an id: letters, digits, . _ -');
export const nameSchema = z.string().min(1).max(255).refine(isSafeName, 'must be printable text without control characters');
export const commonNameSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((v) => isDnsName(v) || isIP(v) !== 0, 'must be a DNS name or an IP address');
export const sanSchema = z.string().min(1).max(255).refine(isSubjectAltName, 'must be a DNS name, IP address, email address or URI');

/** Free-form labels on a resource: bounded in count and size so they cannot grow a row or a message without limit. */
export const MAX_TAGS = 50;
export const tagsSchema = z
  .record(z.string().min(1).max(64), z.string().max(256))
  .refine((t) => Object.keys(t).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`);

export const certificateStatusSchema = z.enum([
  'pending',
  'active',
  'expiring',
  'expired',
  'renewal_in_progress',
  'failed',
  'revoked',
  'archived',
]);
export type CertificateStatus = z.infer<typeof certificateStatusSchema>;
export const jobTypeSchema = z.enum(['issuance', 'renewal', 'deployment', 'revocation']);
export const jobStatusSchema = z.enum([
  'pending',
  'awaiting_approval',
  'awaiting_csr',
  'running',
  'completed',
  'failed',
  'cancelled',
  'awaiting_ca',
]);

export const isoDateSchema = z.string().datetime({ offset: true });
const isoDate = isoDateSchema;

export const certificateVersionSchema = z.object({
  id: z.string(),
  serial_number: z.string(),
  fingerprint_sha256: z.string(),
  not_before: isoDate,
  not_after: isoDate,
  key_algorithm: z.string(),
  key_size: z.number().int(),
  key_source: z.enum(['agent', 'server']),
  issuer_id: z.string(),
  certificate_pem: z.string(),
  chain_pem: z.string(),
  /** The issuer's suggested renewal window (ACME ARI), when it gave one: renewal happens inside it. */
  renewal_window: z.object({ start: isoDate, end: isoDate }).nullable(),
  created_at: isoDate,
});
export type CertificateVersionDto = z.infer<typeof certificateVersionSchema>;

/** Why an open job has not run yet, and until when (null: it is running or has ended). */
export const jobWaitingReasonSchema = z
  .object({
    code: z.enum(['awaiting_approval', 'awaiting_csr', 'scheduled', 'retry_backoff', 'queued', 'awaiting_ca']),
    detail: z.string(),
    until: isoDate.nullable(),
  })
  .nullable();

/** When and why the current version will be renewed (null: no version yet), with the open renewal job if any. */
export const certificateRenewalSchema = z
  .object({
    /** When the version is due: inside the ARI window, or by the renewal policy; before jitter. */
    due_at: isoDate,
    /** When the renewal job starts: due_at plus this certificate's jitter (the first renewal scan after it creates the job). */
    starts_at: isoDate,
    source: z.enum(['policy', 'ari', 'manual_only']),
    reason: z.enum(['ari_window', 'renew_before_days', 'renew_before_fraction', 'default_fraction', 'days_window_too_long']),
    window: z.object({ start: isoDate, end: isoDate }).nullable(),
    explanation: z.string(),
    /** The open issuance or renewal job and why it waits (shown whenever the certificate is renewal_in_progress). */
    job: z
      .object({
        id: z.string(),
        type: jobTypeSchema,
        status: jobStatusSchema,
        scheduled_at: isoDate,
        waiting_reason: jobWaitingReasonSchema,
      })
      .nullable(),
  })
  .nullable();

export const certificateSchema = z.object({
  id: z.string(),
  name: z.string(),
  common_name: z.string(),
  sans: z.array(z.string()),
  environment: z.string(),
  tags: z.record(z.string(), z.string()),
  status: certificateStatusSchema,
  issuer_id: z.string(),
  profile_id: z.string().nullable(),
  owner_id: z.string(),
  team_id: z.string(),
  renewal_policy_id: z.string(),
  agent_id: z.string().nullable(),
  /** How the certificate entered the inventory: `api` (REST), `acme` (an ACME order), or another enrollment source. */
  source: z.string(),
  serial_number: z.string().nullable(),
  not_before: isoDate.nullable(),
  not_after: isoDate.nullable(),
  certificate_pem: z.string().nullable(),
  chain_pem: z.string().nullable(),
  current_version: certificateVersionSchema.nullable(),
  renewal: certificateRenewalSchema,
  target_ids: z.array(z.string()),
  created_by: z.string(),
  created_at: isoDate,
  updated_at: isoDate,
});
export type CertificateDto = z.infer<typeof certificateSchema>;

export const createCertificateBodySchema = z.strictObject({
  name: nameSchema,
  common_name: commonNameSchema,
  sans: z.array(sanSchema).max(100).default([]),
  issuer_id: idSchema,
  owner_id: idSchema,
  team_id: idSchema,
  renewal_policy_id: idSchema,
  profile_id: idSchema.optional(),
  agent_id: idSchema.optional().describe('The agent that deploys this certificate; required when the profile has agents generate keys'),
  target_ids: z.array(idSchema).max(50).default([]).describe('Targets each new version is deployed to (one deployment job per target)'),
  environment: z.string().max(64).default(''),
  tags: tagsSchema.default({}),
});
export type CreateCertificateBody = z.infer<typeof createCertificateBodySchema>;

export const actorSchema = z.object({
  principal: z.string().min(1),
  role: z.string().min(1),
  /** The API key the gateway authenticated (absent for the platform's own actors). */
  key_id: z.string().min(1).optional(),
  /** Whose key it is: the key id that counts as the same person for the two-person rule. */
  owner_key_id: z.string().min(1).optional(),
});
export type Actor = z.infer<typeof actorSchema>;

export const createCertificateRequestSchema = z.object({ actor: actorSchema, certificate: createCertificateBodySchema });
export const createCertificateResponseSchema = z.object({ certificate: certificateSchema, job_id: z.string() });

export const getByIdSchema = z.object({ id: idSchema });

export const listCertificatesRequestSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
  status: certificateStatusSchema.optional(),
  issuer_id: idSchema.optional(),
  owner_id: idSchema.optional(),
  team_id: idSchema.optional(),
  profile_id: idSchema.optional().describe('Only certificates of this certificate profile'),
  expires_before: isoDate.optional().describe('Only certificates whose current version expires before this time'),
  q: z.string().min(1).max(255).optional().describe('Case-insensitive text search in name and common name'),
  sort: z
    .enum(['created_at', '-created_at', 'name', '-name', 'expires_at', '-expires_at'])
    .default('created_at')
    .describe('Sort field; a leading - sorts descending'),
});
export const listCertificatesResponseSchema = z.object({
  data: z.array(certificateSchema.omit({ certificate_pem: true, chain_pem: true, current_version: true, target_ids: true })),
  next_cursor: z.string().nullable(),
});

export const issuerSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(['local', 'acme', 'script', 'aws-acm-pca', 'stepca']),
  parent_id: z.string().nullable(),
  enabled: z.boolean(),
  config: z.record(z.string(), z.unknown()),
  ca_certificate_pem: z.string().nullable(),
  ca_chain_pem: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
});
export type IssuerDto = z.infer<typeof issuerSchema>;
export const listIssuersResponseSchema = z.object({ data: z.array(issuerSchema) });

/** Issuance asks inventory to move a job to running and gets what to sign. */
export const jobStartResponseSchema = z.object({
  job_id: z.string(),
  status: jobStatusSchema,
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  /** issuance or renewal: the connector's issue or renew operation. */
  job_type: jobTypeSchema.optional(),
  /** The error of the last failed attempt (why a `failed` job failed). */
  last_error: z.string().nullable().optional(),
  certificate: z.object({
    id: z.string(),
    common_name: z.string(),
    sans: z.array(z.string()),
    issuer_id: z.string(),
    profile_id: z.string().nullable(),
    validity_days: z.number().int().positive(),
    /** The profile's max_validity_seconds, when set: it wins over validity_days. */
    validity_seconds: z.number().int().positive().nullable().optional(),
    ekus: z.array(z.string()),
    key_algorithm: z.string(),
    /** Set when the agent generated the key: sign this request's public key. */
    csr_pem: z.string().nullable().optional(),
    /**
     * A renewal's predecessor (the current version) and its issuer: an ACME issuer names it in
     * the new order's `replaces` (RFC 9773 §5) when it is the CA that issued it.
     */
    replaces: z.object({ certificate_pem: z.string(), issuer_id: z.string() }).nullable().optional(),
  }),
});

export const jobCompleteRequestSchema = z.object({
  job_id: idSchema,
  version: z.object({
    serial_number: z.string(),
    fingerprint_sha256: z.string(),
    certificate_pem: z.string(),
    chain_pem: z.string(),
    not_before: isoDate,
    not_after: isoDate,
    key_algorithm: z.string(),
    key_size: z.number().int(),
    key_source: z.enum(['agent', 'server']),
    issuer_id: z.string(),
    /** The issuer's suggested renewal window (ACME ARI, RFC 9773), when it gives one. */
    renewal_window: z.object({ start: isoDate, end: isoDate }).nullable().optional(),
  }),
});
export const jobCompleteResponseSchema = z.object({ job_id: z.string(), version_id: z.string(), certificate_id: z.string() });

export const jobFailRequestSchema = z.object({
  job_id: idSchema,
  error: z.string().max(4000),
  terminal: z.boolean(),
  /** When the queue retries the job (its backoff after this failure); absent: as soon as a worker is free. */
  retry_at: isoDate.optional(),
});
export const jobFailResponseSchema = z.object({ job_id: z.string(), status: jobStatusSchema, attempts: z.number().int() });

export const certificateEventSchema = z.object({
  certificate_id: z.string(),
  job_id: z.string().optional(),
  serial_number: z.string().optional(),
  not_after: isoDate.optional(),
  actor: z.string().optional(),
});

/** The steps of a deployment on the agent; a failed one names where it stopped. */
export const deploymentStepSchema = z.enum(['config', 'deploy', 'validate', 'reload', 'verify', 'rollback']);

/**
 * The agent's post-deployment check: a TLS handshake (or the platform's API for a cloud
 * target) comparing the served leaf with the deployed one. Fingerprints and an address only.
 */
export const deploymentVerificationSchema = z.object({
  ok: z.boolean().describe('True when the served certificate is the deployed one'),
  served_fingerprint: z
    .string()
    .max(128)
    .nullable()
    .describe('SHA-256 of the leaf the target served, lowercase hex; null when there was no handshake'),
  address: z.string().max(512).describe('Where the agent checked (host:port, or the cloud resource)'),
  verified_at: isoDate,
  error: z.string().max(4000).nullable().describe('Why the check failed; null when it passed'),
});
export type DeploymentVerificationDto = z.infer<typeof deploymentVerificationSchema>;

/**
 * A deployment job's result as its agent reported it: the files written (paths, never their
 * contents), the verification, whether a failure rolled the previous files back. Only these
 * fields are ever shown; anything else stored with the job is left out.
 */
export const deploymentResultSchema = z.object({
  version_id: z.string().nullable().describe('The certificate version deployed'),
  target_id: z.string().nullable(),
  files: z.array(z.string().max(4096)).describe('Absolute paths of the files the agent wrote'),
  verification: deploymentVerificationSchema
    .nullable()
    .describe('The post-deployment check; null when the target asks for none or the deployment failed before it'),
  rolled_back: z.boolean().describe('True when a failure restored the previous files'),
  failed_step: deploymentStepSchema.nullable().describe('For a failed deployment: the step that failed'),
});
export type DeploymentResultDto = z.infer<typeof deploymentResultSchema>;

export const jobSchema = z.object({
  id: z.string(),
  type: jobTypeSchema,
  status: jobStatusSchema,
  certificate_id: z.string(),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  last_error: z.string().nullable(),
  requested_by: z.string(),
  decided_by: z.string().nullable(),
  decision_reason: z.string().nullable(),
  /** When the job runs (or ran): its renewal start with jitter, or its next attempt after a failure. */
  scheduled_at: isoDate,
  waiting_reason: jobWaitingReasonSchema,
  created_at: isoDate,
  updated_at: isoDate,
  completed_at: isoDate.nullable(),
  result: deploymentResultSchema
    .nullable()
    .describe("A deployment job's report from its agent (files, verification, rollback); null until it reports, and for other jobs"),
});
export type JobDto = z.infer<typeof jobSchema>;

export const listJobsRequestSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
  status: jobStatusSchema.optional(),
  type: jobTypeSchema.optional(),
  certificate_id: idSchema.optional(),
});
export const listJobsResponseSchema = z.object({ data: z.array(jobSchema), next_cursor: z.string().nullable() });

export const jobDecisionBodySchema = z.strictObject({ reason: z.string().max(1000).optional() });
export const jobDecisionRequestSchema = z.object({ actor: actorSchema, id: idSchema, reason: z.string().max(1000).optional() });
export const jobDecisionEventSchema = z.object({
  job_id: z.string(),
  certificate_id: z.string(),
  actor: z.string(),
  reason: z.string().optional(),
});
