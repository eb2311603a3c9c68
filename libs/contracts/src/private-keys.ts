import { z } from 'zod';
import { actorSchema, idSchema } from './schemas';

/**
 * Download of a server-generated leaf key (key_source "server"): PEM (PKCS#8, optionally
 * encrypted with a passphrase) or PKCS#12 (key, leaf and chain; passphrase required).
 * The key is decrypted only in the issuance service; the gateway audits every download.
 */
export const privateKeyFormatSchema = z.enum(['pem', 'pkcs12']);
export type PrivateKeyFormat = z.infer<typeof privateKeyFormatSchema>;
export const PRIVATE_KEY_PASSPHRASE_MIN = 8;
const passphraseSchema = z.string().min(PRIVATE_KEY_PASSPHRASE_MIN).max(1024);

/** GET …/private-key: the unencrypted PEM only (a passphrase never travels in a URL). */
export const privateKeyQuerySchema = z.strictObject({
  format: privateKeyFormatSchema
    .default('pem')
    .refine((f) => f === 'pem', 'PKCS#12 needs a passphrase: use POST with {"format":"pkcs12","passphrase":"…"}')
    .describe('pem (PKCS#8); for pkcs12 use POST with a passphrase'),
});

/** POST …/private-key: PKCS#12 (passphrase required) or PEM (encrypted when a passphrase is given). */
export const privateKeyBodySchema = z
  .strictObject({
    format: privateKeyFormatSchema.default('pem'),
    passphrase: passphraseSchema
      .optional()
      .describe(`At least ${PRIVATE_KEY_PASSPHRASE_MIN} characters; required for pkcs12, optional for pem (encrypts the PKCS#8 key)`),
  })
  .refine((b) => b.format !== 'pkcs12' || b.passphrase !== undefined, {
    message: `a PKCS#12 file needs a passphrase of at least ${PRIVATE_KEY_PASSPHRASE_MIN} characters`,
    path: ['passphrase'],
  });

export const privateKeyExportRequestSchema = z.object({
  /** Who downloads: signed by the gateway (docs/architecture.md, "Signed principals"); issuance checks the role too. */
  actor: actorSchema,
  issuer_id: idSchema,
  serial_number: z.string().min(1).max(128),
  format: privateKeyFormatSchema,
  passphrase: passphraseSchema.optional(),
  friendly_name: z.string().max(255).optional(),
});
export const privateKeyExportResponseSchema = z.object({
  format: privateKeyFormatSchema,
  encrypted: z.boolean(),
  /** The file: PEM text or DER bytes, base64. */
  content_base64: z.string(),
});

/**
 * The private key of an imported certificate (POST /api/v1/certificates/import with
 * private_key_pem), handed by inventory to issuance, which checks it matches the certificate and
 * keeps it encrypted like a server-generated key (issued_certificates, job id `job_id`).
 */
export const privateKeyImportRequestSchema = z.object({
  /** system:inventory (a service signs only its own actors); who imported it is imported_by. */
  actor: actorSchema,
  imported_by: z.string().min(1),
  /** The row's key: import-<fingerprint>, so a repeated import of one certificate replaces its row. */
  job_id: z.string().min(1).max(128),
  issuer_id: idSchema,
  serial_number: z.string().min(1).max(128),
  certificate_pem: z.string().min(1).max(65536),
  chain_pem: z.string().max(262144),
  private_key_pem: z.string().min(1).max(16384),
});
export const privateKeyImportResponseSchema = z.object({ stored: z.literal(true) });
