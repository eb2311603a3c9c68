import { z } from 'zod';
import { actorSchema, certificateSchema, idSchema, nameSchema, tagsSchema } from './schemas';

/** Importing an existing certificate (issued elsewhere) as a managed certificate: POST /api/v1/certificates/import. */

const pemText = (max: number) => z.string().min(1).max(max);

export const importCertificateBodySchema = z.strictObject({
  certificate_pem: pemText(65536).describe('The certificate (leaf), PEM; only its first CERTIFICATE block is read'),
  chain_pem: z
    .string()
    .max(262144)
    .default('')
    .describe('The intermediates above it, PEM, leaf excluded (each block must parse as a certificate)'),
  private_key_pem: z
    .string()
    .min(1)
    .max(16384)
    .optional()
    .describe(
      "The certificate's private key, unencrypted PEM (PKCS#8, SEC1 or PKCS#1): kept encrypted at rest in the issuance service and downloadable by admins like a server-generated key; 422 when it does not match the certificate",
    ),
  name: nameSchema.optional().describe('Managed certificate name (default: derived from its common name and fingerprint)'),
  owner_id: idSchema.optional(),
  team_id: idSchema.optional(),
  renewal_policy_id: idSchema.optional(),
  issuer_id: idSchema.optional().describe('The issuer its renewals go to (default: the discovery import issuer, the built-in local CA)'),
  environment: z.string().max(64).default(''),
  tags: tagsSchema.default({}),
});
export type ImportCertificateBody = z.output<typeof importCertificateBodySchema>;

export const importCertificateRequestSchema = z.object({ actor: actorSchema, body: importCertificateBodySchema });

export const importCertificateResponseSchema = z.object({
  certificate: certificateSchema,
  fingerprint_sha256: z.string(),
});
