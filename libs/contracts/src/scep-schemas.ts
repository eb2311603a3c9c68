import { z } from 'zod';
import { idSchema, isoDateSchema } from './schemas';

/**
 * SCEP (RFC 8894): the RA certificate the gateway signs CertReps with and decrypts requests
 * with, one per enrollment profile, and the one-time challenge passwords an admin or an MDM
 * asks for. The RA key is made in issuance, sent once in the reply and sealed by the gateway.
 */
export const scepRaIssueRequestSchema = z.object({
  /** The issuer of the enrollment profile: the RA certificate comes from the same CA. */
  issuer_id: idSchema,
  /** The profile's label, written into the RA certificate's common name. */
  profile_label: z.string().min(1).max(48),
  validity_days: z.number().int().min(31).max(825),
});
export const scepRaIssueResponseSchema = z.object({
  serial_number: z.string(),
  certificate_pem: z.string(),
  /** The issuing CA, then its parents up to the root. */
  chain_pem: z.string(),
  /** PKCS#8 PEM of the RSA-2048 key (SCEP clients encrypt to the RA with RSA key transport): sent in this reply only. */
  private_key_pem: z.string(),
  not_before: isoDateSchema,
  not_after: isoDateSchema,
});

export const scepChallengeCreateSchema = z
  .object({
    /** How long the challenge may be used (default 60 minutes, at most 7 days). */
    ttl_minutes: z.number().int().min(1).max(10080).default(60),
    /** Who or what the challenge is for (a device serial, an MDM request id), for the audit trail. */
    note: z.string().max(200).optional(),
  })
  .strict();
export const scepChallengeSchema = z.object({
  id: z.string(),
  enrollment_profile_id: z.string(),
  /** The challenge password: shown in this response only, stored hashed. */
  challenge: z.string(),
  expires_at: isoDateSchema,
  note: z.string().nullable(),
});
