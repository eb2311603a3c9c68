import {
  baseEnvSchema,
  databaseEnvSchema,
  emptyAsUnset,
  encryptionEnvSchema,
  natsEnvSchema,
  portSchema,
  redisEnvSchema,
} from '@certctl/config';
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');
const int = (fallback: number, min = 0, max = 1_000_000_000) => z.coerce.number().int().min(min).max(max).default(fallback);
const csv = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
const optionalUrl = z
  .string()
  .url()
  .optional()
  .or(z.literal('').transform(() => undefined));

export const acmeEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend(encryptionEnvSchema.shape)
  .extend({
    CERTCTL_ACME_PORT: portSchema(8083),
    /**
     * The public base URL clients use (https://host[:port]); unset: taken from X-Forwarded-Proto/Host
     * set by the gateway when that Host is allowed (below), else CERTCTL_PUBLIC_BASE_URL.
     */
    CERTCTL_ACME_BASE_URL: optionalUrl,
    /** The gateway's public URL: its host may be reflected into ACME URLs, and it is the base for any other Host. */
    CERTCTL_PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:8080'),
    /** More Hosts (host or host:port, comma-separated) the ACME URLs may be built from. */
    CERTCTL_ACME_ALLOWED_HOSTS: csv,
    /** The gateway's listeners: localhost, 127.0.0.1 and [::1] on these ports are allowed Hosts (0: none). */
    CERTCTL_GATEWAY_PORT: int(8080, 0, 65535),
    CERTCTL_GATEWAY_TLS_PORT: z.preprocess(emptyAsUnset, int(0, 0, 65535)),
    /** Profile served by /acme/directory (the per-profile directories are /acme/profile/<id>/directory). */
    CERTCTL_ACME_DEFAULT_PROFILE_ID: z.string().default('prof-standard-tls'),
    /** Where ACME-issued certificates are recorded in the inventory. */
    CERTCTL_ACME_ISSUER_ID: z.string().default('iss-local'),
    CERTCTL_ACME_OWNER_ID: z.string().default('o-alice'),
    CERTCTL_ACME_TEAM_ID: z.string().default('t-platform'),
    CERTCTL_ACME_RENEWAL_POLICY_ID: z.string().default('rp-standard'),
    CERTCTL_ACME_TOS_URL: optionalUrl,
    CERTCTL_ACME_WEBSITE: optionalUrl,
    CERTCTL_ACME_CAA_IDENTITIES: csv,
    CERTCTL_ACME_NONCE_TTL_SECONDS: int(300, 10, 86400),
    CERTCTL_ACME_ORDER_TTL_SECONDS: int(86400, 60),
    CERTCTL_ACME_AUTHZ_TTL_SECONDS: int(86400, 60),
    /** How long finalize waits for the signature before answering `processing` (clients then poll). */
    CERTCTL_ACME_FINALIZE_WAIT_MS: int(5000, 0, 60000),
    /** Per-account limits (0 disables one): orders per hour, concurrent pending orders, key changes per hour, challenge responses per hour. */
    CERTCTL_ACME_RATE_ORDERS_PER_HOUR: int(100),
    CERTCTL_ACME_RATE_CONCURRENT_ORDERS: int(5),
    CERTCTL_ACME_RATE_KEY_CHANGES_PER_HOUR: int(5),
    CERTCTL_ACME_RATE_CHALLENGES_PER_HOUR: int(60),
    /** New accounts per client IP per hour (the gateway's X-Forwarded-For), shared by every replica through Redis; 0 disables. */
    CERTCTL_ACME_RATE_NEW_ACCOUNTS_PER_IP_PER_HOUR: int(20),
    /** How long an unknown profile id (a /acme/profile/<id>/ URL) is remembered as unknown, in ms (0: not at all). */
    CERTCTL_ACME_UNKNOWN_PROFILE_CACHE_MS: int(10000, 0, 600000),
    CERTCTL_ACME_ARI_ENABLED: bool(true),
    CERTCTL_ACME_ARI_RETRY_AFTER_SECONDS: int(21600, 60),
    /** Challenge validation (see docs/acme.md). */
    CERTCTL_ACME_HTTP01_PORT: portSchema(80),
    CERTCTL_ACME_TLSALPN01_PORT: portSchema(443),
    CERTCTL_ACME_DNS_SERVER: z
      .string()
      .regex(/^[0-9a-fA-F.:[\]]+:\d+$|^$/, 'must be host:port')
      .optional()
      .transform((v) => v || undefined),
    CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES: bool(false),
    CERTCTL_ACME_VALIDATION_TIMEOUT_MS: int(10000, 100, 120000),
    CERTCTL_ACME_BODY_LIMIT_BYTES: int(65536, 1024, 1048576),
  });
export type AcmeConfig = z.output<typeof acmeEnvSchema>;
export const ACME_CONFIG = Symbol('ACME_CONFIG');
