import { isIP } from 'node:net';
import { z } from 'zod';
import { isDnsName } from './identifiers';
import { idSchema, isoDateSchema } from './schemas';

/**
 * Server certificates for the platform's own listeners (the gateway's HTTPS port): the key
 * is made in issuance, returned once in the reply and never stored there.
 */

/** A name a platform server certificate may carry: a DNS name (wildcards allowed) or an IP address. */
export const serverNameSchema = z
  .string()
  .min(1)
  .max(253)
  .refine((v) => isIP(v) !== 0 || isDnsName(v), 'must be a DNS name or an IP address');

export const serverCertificateIssueRequestSchema = z.object({
  /** The local issuer that signs (the seeded default local CA is iss-local). */
  issuer_id: idSchema,
  names: z.array(serverNameSchema).min(1).max(50),
  validity_days: z.number().int().min(1).max(397),
  /** Which service asks, for the issuance log. */
  requester: z.string().min(1).max(64),
});
export const serverCertificateIssueResponseSchema = z.object({
  serial_number: z.string(),
  /** The leaf alone. */
  certificate_pem: z.string(),
  /** CA certificates between the leaf and the root (empty when the root signs directly). */
  chain_pem: z.string(),
  /** The root CA clients trust (the CA bundle). */
  root_pem: z.string(),
  /** PKCS#8 PEM of the ECDSA P-256 key: sent in this reply only. */
  private_key_pem: z.string(),
  not_before: isoDateSchema,
  not_after: isoDateSchema,
});
