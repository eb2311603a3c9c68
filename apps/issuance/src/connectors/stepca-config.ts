import { z } from 'zod';
import { isCertificateBundle } from './connector-support';

/** A private JWK as step-ca's JWK provisioners use them (EC, OKP or RSA), with its key id. */
const privateJwkSchema = z
  .looseObject({
    kty: z.enum(['EC', 'OKP', 'RSA']),
    kid: z.string().min(1).max(256).optional(),
    alg: z.string().max(16).optional(),
    d: z.string().min(1).max(8192),
  })
  .describe('The provisioner private key as a JWK (instead of provisioner_encrypted_key + provisioner_password); secret');

/**
 * An issuer backed by smallstep's step-ca through one of its JWK provisioners
 * (docs/connectors.md, "step-ca"). The platform mints the one-time tokens itself, with the
 * provisioner's private key: the encrypted key step-ca keeps in ca.json (`encryptedKey`, a JWE
 * sealed with the provisioner password) plus that password, or the private JWK itself.
 */
export const stepcaConfigSchema = z
  .strictObject({
    url: z
      .url()
      .max(2048)
      .refine((u) => new URL(u).protocol === 'https:', 'must be an https URL (step-ca serves HTTPS only)')
      .refine((u) => {
        const parsed = new URL(u);
        return parsed.pathname === '/' && !parsed.search && !parsed.hash;
      }, 'must be the CA base URL, without a path, query or fragment')
      .transform((u) => u.replace(/\/+$/, ''))
      .describe('The CA base URL, e.g. https://ca.internal:9000'),
    provisioner: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .describe('The JWK provisioner name (ca.json authority.provisioners[].name)'),
    provisioner_encrypted_key: z
      .string()
      .max(16384)
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){4}$/, 'must be a compact JWE (ca.json encryptedKey)')
      .optional()
      .describe("The provisioner's encryptedKey from ca.json (or `step ca provisioner list`)"),
    provisioner_password: z.string().min(1).max(1024).optional().describe('The password that decrypts provisioner_encrypted_key; secret'),
    provisioner_jwk: privateJwkSchema.optional(),
    root_fingerprint: z
      .string()
      .transform((f) => f.replace(/:/g, '').toLowerCase())
      .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 fingerprint of the root certificate (64 hex digits)'))
      .optional()
      .describe(
        'Trust step-ca through its root, fetched from /root/<fingerprint> and checked (`step certificate fingerprint root_ca.crt`)',
      ),
    ca_bundle_pem: z
      .string()
      .max(256 * 1024)
      .refine(isCertificateBundle, 'must be one or more PEM certificates')
      .optional()
      .describe('Trust these CAs for the TLS connection to step-ca (instead of root_fingerprint)'),
    timeout_ms: z.number().int().min(1000).max(120000).default(30000).describe('Per request to step-ca'),
  })
  .superRefine((c, ctx) => {
    if (!c.provisioner_encrypted_key && !c.provisioner_jwk) {
      ctx.addIssue({ code: 'custom', path: ['provisioner_encrypted_key'], message: 'is required (or provisioner_jwk)' });
    }
    if (c.provisioner_encrypted_key && c.provisioner_jwk) {
      ctx.addIssue({ code: 'custom', path: ['provisioner_jwk'], message: 'give provisioner_encrypted_key or provisioner_jwk, not both' });
    }
    if (c.provisioner_encrypted_key && !c.provisioner_password) {
      ctx.addIssue({ code: 'custom', path: ['provisioner_password'], message: 'is required with provisioner_encrypted_key' });
    }
    if (!c.root_fingerprint && !c.ca_bundle_pem) {
      ctx.addIssue({ code: 'custom', path: ['root_fingerprint'], message: 'is required (or ca_bundle_pem) to trust step-ca' });
    }
  });
export type StepcaConfig = z.output<typeof stepcaConfigSchema>;
