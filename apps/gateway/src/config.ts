import {
  baseEnvSchema,
  databaseEnvSchema,
  emptyAsUnset,
  encryptionEnvSchema,
  natsEnvSchema,
  portSchema,
  redisEnvSchema,
} from '@certctl/config';
import { serverNameSchema } from '@certctl/contracts';
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** A comma-separated list, blanks dropped. */
const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

const origins = commaList('').refine(
  (list) => list.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)),
  'must be a comma-separated list of origins such as https://app.example.com, or *',
);

/** Comma-separated host names and IP addresses for the gateway's own server certificate. */
const tlsNames = commaList('localhost,127.0.0.1,::1').refine(
  (list) => list.length > 0 && list.every((n) => serverNameSchema.safeParse(n).success),
  {
    message: 'must be a comma-separated list of DNS names and IP addresses, such as localhost,127.0.0.1,::1',
  },
);

const upstream = (fallbackPort: number) => z.url().default(`http://127.0.0.1:${fallbackPort}`);

export const gatewayEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  // Seals the SCEP RA keys (docs/scep.md); without a key SCEP answers 503 and the rest works.
  .extend(encryptionEnvSchema.shape)
  .extend({
    CERTCTL_GATEWAY_PORT: portSchema(8080),
    /** The gateway's /metrics listener (kept off the public port); 0 turns it off. */
    CERTCTL_GATEWAY_METRICS_PORT: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(65535).default(8087)),
    CERTCTL_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /** How long a verified API key is trusted from memory before it is looked up again (a change reaches every replica over the bus at once; this bounds a missed one). */
    CERTCTL_API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(3600000).default(300000),
    /** How many verified keys (and live agents) one replica remembers; the least recently used go first. */
    CERTCTL_API_KEY_CACHE_MAX: z.coerce.number().int().min(0).max(1000000).default(50000),
    /** last_used_at is written at most this often per key. */
    CERTCTL_API_KEY_LAST_USED_INTERVAL_MS: z.coerce.number().int().min(0).max(3600000).default(60000),
    /** last_used_at writes are gathered and written in one statement this often. */
    CERTCTL_API_KEY_LAST_USED_FLUSH_MS: z.coerce.number().int().min(10).max(60000).default(1000),
    /** EST/SCEP: how long an enrollment waits for its certificate before the client is told to retry (202 + Retry-After). */
    CERTCTL_ENROLLMENT_WAIT_MS: z.coerce.number().int().min(0).max(120000).default(15000),
    /** EST Basic authentication: failures per client address and profile within 15 minutes that lock it out for 15 minutes. */
    CERTCTL_ENROLLMENT_LOCKOUT_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    CERTCTL_RATE_LIMIT_ENABLED: bool(true),
    /** Sustained requests per second per API key (per source address when unauthenticated). */
    CERTCTL_RATE_LIMIT_RPS: z.coerce.number().positive().max(1000000).default(50),
    CERTCTL_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(10000000).default(100),
    /** Origins allowed to call the API from a browser; empty denies every cross-origin request. */
    CERTCTL_CORS_ORIGINS: origins,
    /** Trust X-Forwarded-For / X-Forwarded-Proto from a fronting proxy (ingress). */
    CERTCTL_TRUST_PROXY: bool(false),
    /** Audit rows are written in small batches after the response; the longest a row waits. */
    CERTCTL_AUDIT_FLUSH_MS: z.coerce.number().int().min(1).max(10000).default(20),
    /** Where the gateway forwards public protocol surfaces. */
    CERTCTL_ACME_URL: upstream(8083),
    CERTCTL_REVOCATION_URL: upstream(8084),
    /** Where the other services answer /ready (GET /api/v1/system/readiness asks each one). */
    CERTCTL_INVENTORY_URL: upstream(8081),
    CERTCTL_ISSUANCE_URL: upstream(8082),
    CERTCTL_SCHEDULER_URL: upstream(8085),
    CERTCTL_NOTIFICATIONS_URL: upstream(8086),
    CERTCTL_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(10000),
    /**
     * How long the gateway reuses a public GET answer of the revocation service (OCSP GET, CRL) that
     * the owner marked cacheable, at most (0: off). A revocation empties the cache at once on every
     * replica (bus event); this bounds a missed event, like CERTCTL_OCSP_LOCAL_CACHE_MS in revocation.
     */
    CERTCTL_GATEWAY_PUBLIC_CACHE_MS: z.coerce.number().int().min(0).max(60000).default(2000),
    /** Bytes of public answers one gateway replica keeps, at most (the oldest go first). */
    CERTCTL_GATEWAY_PUBLIC_CACHE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .max(1024 * 1024 * 1024)
      .default(16 * 1024 * 1024),
    /** HTTPS listener (same routes as the HTTP one); unset, empty or 0: off (`npm start` sets 8443). See docs/tls.md. */
    CERTCTL_GATEWAY_TLS_PORT: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(65535).default(0)),
    /** Operator-supplied certificate (leaf then chain) and key, PEM; both or neither. Unset: a certificate from the local CA. */
    CERTCTL_GATEWAY_TLS_CERT_FILE: z.preprocess(emptyAsUnset, z.string().optional()),
    CERTCTL_GATEWAY_TLS_KEY_FILE: z.preprocess(emptyAsUnset, z.string().optional()),
    /** Names of the local-CA certificate; the host of CERTCTL_PUBLIC_BASE_URL is always added. */
    CERTCTL_GATEWAY_TLS_NAMES: tlsNames,
    /** The local issuer that signs the gateway's certificate (the seeded default local CA). */
    CERTCTL_GATEWAY_TLS_ISSUER_ID: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)
      .default('iss-local'),
    CERTCTL_GATEWAY_TLS_VALIDITY_DAYS: z.coerce.number().int().min(1).max(397).default(90),
    /** Where the local-CA certificate is kept: $CERTCTL_DATA_DIR/tls (relative paths from the working directory). */
    CERTCTL_DATA_DIR: z.string().default('.local'),
    /** How long a SCEP PKIOperation waits for its certificate before answering PENDING (the client then polls). */
    CERTCTL_SCEP_WAIT_MS: z.coerce.number().int().min(0).max(60000).default(20000),
    /** Lifetime of a SCEP RA certificate; it is replaced once less than 30 days are left. */
    CERTCTL_SCEP_RA_VALIDITY_DAYS: z.coerce.number().int().min(60).max(825).default(365),
    /** The address clients use (http or https); its host is one of the certificate's names. */
    CERTCTL_PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:8080'),
  })
  .refine((c) => !c.CERTCTL_GATEWAY_TLS_CERT_FILE === !c.CERTCTL_GATEWAY_TLS_KEY_FILE, {
    message: 'set both CERTCTL_GATEWAY_TLS_CERT_FILE and CERTCTL_GATEWAY_TLS_KEY_FILE, or neither',
    path: ['CERTCTL_GATEWAY_TLS_KEY_FILE'],
  });
export type GatewayConfig = z.output<typeof gatewayEnvSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
