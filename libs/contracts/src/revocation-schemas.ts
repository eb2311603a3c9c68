import { z } from 'zod';
import { actorSchema, idSchema, isoDateSchema } from './schemas';

/**
 * Revocation: reasons, subjects, payloads and contracts. Kept apart from the shared
 * subjects/contracts files so the revocation work adds files instead of editing them.
 */

/** RFC 5280 CRLReason names and codes (7 is unused by the RFC). */
export const REVOCATION_REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASON_CODES;
export const revocationReasonSchema = z.enum(Object.keys(REVOCATION_REASON_CODES) as [RevocationReason, ...RevocationReason[]]);

export function reasonCode(reason: RevocationReason): number {
  return REVOCATION_REASON_CODES[reason];
}
export function reasonName(code: number): RevocationReason | undefined {
  return (Object.keys(REVOCATION_REASON_CODES) as RevocationReason[]).find((k) => REVOCATION_REASON_CODES[k] === code);
}

export const revokeBodySchema = z.strictObject({ reason: revocationReasonSchema.default('unspecified') });
export type RevokeBody = z.infer<typeof revokeBodySchema>;

export const revocationSchema = z.object({
  certificate_id: z.string(),
  serial_number: z.string(),
  issuer_id: z.string(),
  reason: revocationReasonSchema,
  revoked_at: isoDateSchema,
  actor: z.string(),
  /** false when this call found the certificate already revoked (nothing written). */
  created: z.boolean(),
});
export type RevocationDto = z.infer<typeof revocationSchema>;

export const revokeRequestSchema = z.object({
  actor: actorSchema,
  certificate_id: idSchema,
  reason: revocationReasonSchema,
  /** A version other than the current one (an ACME client revoking a certificate it has since renewed). */
  serial_number: z
    .string()
    .regex(/^[0-9a-f]{1,80}$/)
    .optional(),
  /** The issuer of that earlier version when it is not the current one's (a re-issuance from a new issuer). */
  issuer_id: idSchema.optional(),
});

export const bulkRevokeBodySchema = z
  .strictObject({
    ids: z.array(idSchema).min(1).max(10000).optional(),
    issuer_id: idSchema.optional(),
    owner_id: idSchema.optional(),
    team_id: idSchema.optional(),
    reason: revocationReasonSchema.exclude(['removeFromCRL']).default('unspecified'),
  })
  .refine((b) => b.ids !== undefined || b.issuer_id !== undefined || b.owner_id !== undefined || b.team_id !== undefined, {
    message: 'give ids or at least one filter (issuer_id, owner_id, team_id)',
  });
export type BulkRevokeBody = z.infer<typeof bulkRevokeBodySchema>;

export const bulkStatusSchema = z.enum(['queued', 'running', 'completed', 'failed']);
export const bulkRevocationSchema = z.object({
  id: z.string(),
  status: bulkStatusSchema,
  reason: revocationReasonSchema,
  total: z.number().int(),
  revoked: z.number().int(),
  failed: z.number().int(),
  errors: z.array(z.object({ certificate_id: z.string(), error: z.string() })),
  requested_by: z.string(),
  created_at: isoDateSchema,
  completed_at: isoDateSchema.nullable(),
});
export type BulkRevocationDto = z.infer<typeof bulkRevocationSchema>;
export const bulkStartRequestSchema = z.object({
  actor: actorSchema,
  ids: z.array(idSchema).max(10000).optional(),
  issuer_id: idSchema.optional(),
  owner_id: idSchema.optional(),
  team_id: idSchema.optional(),
  reason: revocationReasonSchema,
});

/** Inventory marks a certificate revoked (or lifts a hold); idempotent. */
export const inventoryRevokeRequestSchema = z.object({
  certificate_id: idSchema,
  reason: revocationReasonSchema,
  revoked_at: isoDateSchema,
  actor: z.string(),
});
export const inventoryRevokeResponseSchema = z.object({ certificate_id: z.string(), status: z.string(), changed: z.boolean() });

export const bySerialRequestSchema = z.object({ issuer_id: idSchema, serial_number: z.string().regex(/^[0-9a-f]{1,80}$/) });
export const bySerialResponseSchema = z.object({
  found: z.boolean(),
  certificate_id: z.string().nullable(),
  not_before: isoDateSchema.nullable(),
  not_after: isoDateSchema.nullable(),
});

/** One CRL entry on the wire, compact: [serial hex, revocation time (unix seconds), reason code]. */
export const crlEntryTupleSchema = z.tuple([z.string().regex(/^[0-9a-f]{1,80}$/), z.number().int().nonnegative(), z.number().int()]);
export const crlSignRequestSchema = z.object({
  issuer_id: idSchema,
  crl_number: z.string().regex(/^[0-9]{1,30}$/),
  this_update: isoDateSchema,
  next_update: isoDateSchema,
  /** The entries inline, or (for CRLs too big for one NATS message) entries_ref. */
  entries: z.array(crlEntryTupleSchema).optional(),
  /** Where the entries were staged in Redis (a JSON array of tuples) and their SHA-256, checked before signing. */
  entries_ref: z
    .object({ redis_key: z.string().regex(/^certctl:crl-entries:[A-Za-z0-9._:-]+$/), sha256: z.string(), count: z.number().int() })
    .optional(),
});
export const crlEntriesSchema = z.array(crlEntryTupleSchema);
/** The signed CRL inline, or (over 512 KiB) staged in Redis by issuance with its SHA-256. */
export const crlSignResponseSchema = z.object({
  der_base64: z.string().optional(),
  der_ref: z.object({ redis_key: z.string().regex(/^certctl:crl-der:[A-Za-z0-9._:-]+$/), sha256: z.string() }).optional(),
});

export const ocspResponderIssueRequestSchema = z.object({
  issuer_id: idSchema,
  /** SubjectPublicKeyInfo of the responder key (DER, base64). */
  public_key_spki_base64: z.string().max(4096),
  validity_days: z.number().int().min(1).max(365),
});
export const ocspResponderIssueResponseSchema = z.object({
  certificate_pem: z.string(),
  ca_certificate_pem: z.string(),
  not_after: isoDateSchema,
});

export const revocationEventSchema = z.object({
  certificate_id: z.string(),
  issuer_id: z.string(),
  serial_number: z.string(),
  reason: revocationReasonSchema,
  revoked_at: isoDateSchema,
  actor: z.string(),
});

/** Payload of a bulk-revocation queue job: one job per bulk request, idempotent per certificate. */
export interface BulkRevocationJobData {
  bulk_id: string;
  traceparent?: string;
}
