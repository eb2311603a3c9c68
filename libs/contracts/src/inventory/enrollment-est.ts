import { z } from 'zod';

/** How an EST client proves who it is: HTTP Basic with the profile's password, a TLS client certificate, or both at once. */
export const estAuthSchema = z.enum(['basic', 'client_cert', 'both']);
export type EstAuth = z.infer<typeof estAuthSchema>;

/**
 * EST (RFC 7030) settings of an enrollment profile, as an admin writes them. The password is
 * never stored: inventory keeps a scrypt verifier of it and answers it masked.
 */
export const estSettingsSchema = z.strictObject({
  auth: estAuthSchema.default('basic'),
  password: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(256)
    .optional()
    .describe('HTTP Basic enrollment password (auth basic or both); stored as a scrypt verifier, shown as ****'),
  client_cert_trust_pem: z
    .string()
    .max(262_144)
    .optional()
    .describe('PEM bundle of the CA certificates a client certificate must chain to (auth client_cert or both)'),
  allow_server_keygen: z.boolean().default(false).describe('serverkeygen: the server generates the key pair and returns it (PKCS#8)'),
  tls_exporter_binding: z.boolean().default(false).describe('RFC 9266 tls-exporter channel binding required in the CSR'),
  serverkeygen_recipients_pem: z
    .string()
    .max(262_144)
    .optional()
    .describe(
      'serverkeygen: PEM certificates (RSA or EC P-256/P-384/P-521) a client may name by subject key identifier in AsymmetricDecryptKeyIdentifier to get its key encrypted (RFC 7030 §4.4.2)',
    ),
});
export type EstSettings = z.output<typeof estSettingsSchema>;

/** The same fields on a change: only those given are changed; a password of `****` keeps the stored one. */
export const estSettingsPatchSchema = z.strictObject({
  auth: estAuthSchema.optional(),
  password: z.union([z.literal('****'), z.string().min(16, 'must be at least 16 characters').max(256)]).optional(),
  client_cert_trust_pem: z.string().max(262_144).optional(),
  allow_server_keygen: z.boolean().optional(),
  tls_exporter_binding: z.boolean().optional(),
  serverkeygen_recipients_pem: z.string().max(262_144).optional(),
});

/** EST settings as answered: the password only as `****` when one is set. */
export const estSettingsViewSchema = z.object({
  auth: estAuthSchema,
  password: z.string().optional(),
  client_cert_trust_pem: z.string().optional(),
  allow_server_keygen: z.boolean(),
  tls_exporter_binding: z.boolean(),
  serverkeygen_recipients_pem: z.string().optional(),
});

/** EST settings as the gateway uses them to authenticate clients: the password's verifier, never the password. */
export const estSettingsInternalSchema = estSettingsViewSchema.omit({ password: true }).extend({
  basic_verifier: z.string().optional(),
});
