import { z } from 'zod';
import { idSchema, isoDateSchema } from './schemas';

/**
 * Shapes around the ACME service: inventory records what ACME orders issue, and the gateway
 * manages external account binding (EAB) keys and reads accounts and orders.
 */

/** One ACME finalize: inventory creates (or renews) the managed certificate and queues its job with the client's CSR. */
export const acmeInventoryIssueRequestSchema = z.object({
  order_id: idSchema,
  account_id: idSchema,
  profile_id: idSchema,
  issuer_id: idSchema,
  owner_id: idSchema,
  team_id: idSchema,
  renewal_policy_id: idSchema,
  common_name: z.string().min(1).max(253),
  sans: z.array(z.string().min(1).max(253)).min(1).max(100),
  csr_pem: z.string().min(1).max(65536),
});
export const acmeInventoryIssueResponseSchema = z.object({
  certificate_id: z.string(),
  job_id: z.string(),
  job_status: z.string(),
  /** true: a new version of a certificate this account already had (a renewal). */
  renewal: z.boolean(),
});
export const acmeInventoryIssuedRequestSchema = z.object({ job_id: idSchema });
/** The version a job stored (null until it has one): what a finalized ACME order serves. */
export const acmeInventoryIssuedResponseSchema = z.object({
  version: z.object({ serial_number: z.string(), certificate_pem: z.string(), chain_pem: z.string() }).nullable(),
});

export const acmeEabCreateBodySchema = z.strictObject({
  profile_id: idSchema,
  description: z.string().max(500).default(''),
});
export const acmeEabKeySchema = z.object({
  id: z.string(),
  profile_id: z.string(),
  description: z.string(),
  account_id: z.string().nullable(),
  created_by: z.string(),
  created_at: isoDateSchema,
  bound_at: isoDateSchema.nullable(),
});
/** The HMAC key is shown once, at creation (base64url, as ACME clients take it). */
export const acmeEabCreatedSchema = acmeEabKeySchema.extend({ hmac_key: z.string() });

export const acmeAccountSchema = z.object({
  id: z.string(),
  profile_id: z.string(),
  status: z.string(),
  contact: z.array(z.string()),
  key_thumbprint: z.string(),
  eab_key_id: z.string().nullable(),
  created_at: isoDateSchema,
});
export const acmeOrderSummarySchema = z.object({
  id: z.string(),
  account_id: z.string(),
  profile_id: z.string(),
  status: z.string(),
  identifiers: z.array(z.object({ type: z.string(), value: z.string() })),
  certificate_id: z.string().nullable(),
  serial_number: z.string().nullable(),
  expires_at: isoDateSchema,
  created_at: isoDateSchema,
});
export const acmeListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  account_id: idSchema.optional(),
  status: z.string().max(20).optional(),
});

/**
 * http-01 answered by the platform (the `acme` issuer connector as an ACME client): the
 * issuance service stores each token's key authorization in Redis under this key, and the
 * revocation service's public routes serve it at /.well-known/acme-challenge/<token>.
 */
export const ACME_HTTP01_TOKEN = /^[A-Za-z0-9_-]{16,256}$/;
export function acmeHttp01RedisKey(token: string): string {
  return `certctl:acme-client:http01:${token}`;
}

/** Where an ACME profile's certificates land: each id, or null to use the server setting (CERTCTL_ACME_*). */
export const acmeProfileDefaultsBodySchema = z.strictObject({
  issuer_id: idSchema.nullable().default(null),
  owner_id: idSchema.nullable().default(null),
  team_id: idSchema.nullable().default(null),
  renewal_policy_id: idSchema.nullable().default(null),
});
const acmeDefaultsSchema = z.object({ issuer_id: z.string(), owner_id: z.string(), team_id: z.string(), renewal_policy_id: z.string() });
/** What an ACME client and an operator need to know about one ACME profile. */
export const acmeProfileSettingsSchema = z.object({
  profile_id: z.string(),
  /** The directory path ACME clients are given (`--server`), relative to the gateway's public URL. */
  directory_path: z.string(),
  /** This profile also answers /acme/directory. */
  is_default: z.boolean(),
  external_account_required: z.boolean(),
  /** Every certificate this profile issues is recorded with this profile and `source: acme`. */
  certificate_source: z.literal('acme'),
  /** What certificates land in: the override where one is set, else the server setting. */
  defaults: acmeDefaultsSchema,
  /** The ids set on this profile (null: the server setting applies). */
  overrides: acmeProfileDefaultsBodySchema,
  /** Where the server connects to validate challenges (CERTCTL_ACME_HTTP01_PORT, CERTCTL_ACME_TLSALPN01_PORT). */
  validation: z.object({
    http_01_port: z.number().int(),
    tls_alpn_01_port: z.number().int(),
    /** The resolver dns-01 and the address lookups use (CERTCTL_ACME_DNS_SERVER); null: the system resolver. */
    dns_server: z.string().nullable(),
    /** Whether identifiers may resolve to private addresses (CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES). */
    allow_private_addresses: z.boolean(),
    timeout_ms: z.number().int(),
  }),
  updated_by: z.string().nullable(),
  updated_at: isoDateSchema.nullable(),
});
