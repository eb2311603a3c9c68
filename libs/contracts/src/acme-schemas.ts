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
