import { baseEnvSchema, databaseEnvSchema, encryptionEnvSchema, natsEnvSchema, portSchema, redisEnvSchema } from '@certctl/config';
import { z } from 'zod';

const seconds = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

export const revocationEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend(encryptionEnvSchema.shape)
  .extend({
    CERTCTL_REVOCATION_PORT: portSchema(8084),
    /** nextUpdate − thisUpdate of each CRL. */
    CERTCTL_CRL_VALIDITY_SECONDS: seconds(86_400, 60),
    /** A CRL older than this is rebuilt by the schedule even without revocations. */
    CERTCTL_CRL_REFRESH_SECONDS: seconds(3_600, 10),
    /** Revocations within this window share one CRL build. */
    CERTCTL_CRL_DEBOUNCE_MS: z.coerce.number().int().min(0).default(1000),
    /** Cache-Control max-age of a served CRL (capped by the time left until its nextUpdate). */
    CERTCTL_CRL_MAX_AGE_SECONDS: seconds(300, 0),
    /** nextUpdate − thisUpdate of each OCSP response. */
    CERTCTL_OCSP_VALIDITY_SECONDS: seconds(3_600, 60),
    /** How long a signed OCSP response (no nonce) and a certificate's status stay in Redis. */
    CERTCTL_OCSP_CACHE_SECONDS: seconds(300, 0),
    /**
     * How long one replica reuses a signed response from memory before asking Redis again: the
     * longest another replica can serve the old status after a revocation (0: off).
     */
    CERTCTL_OCSP_LOCAL_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
    /** Lifetime of a delegated OCSP responder certificate, and how long before its end it is replaced. */
    CERTCTL_OCSP_RESPONDER_VALIDITY_DAYS: z.coerce.number().int().min(2).max(365).default(30),
    CERTCTL_OCSP_RESPONDER_RENEW_DAYS: z.coerce.number().int().min(1).max(364).default(7),
    /** Certificates valid for less than this are short-lived: no CRL/OCSP pointers and left off CRLs. */
    CERTCTL_SHORT_LIVED_SECONDS: seconds(3_600, 0),
    /**
     * OCSP responses signed for one client IP per minute (requests with a nonce, several certificates,
     * or a serial not in the cache), shared by every replica through Redis; cached answers are free. 0 disables.
     */
    CERTCTL_OCSP_RATE_SIGNED_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    CERTCTL_BULK_REVOKE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  });
export type RevocationConfig = z.output<typeof revocationEnvSchema>;
export const REVOCATION_CONFIG = Symbol('REVOCATION_CONFIG');
