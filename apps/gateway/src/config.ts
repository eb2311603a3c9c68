import { baseEnvSchema, databaseEnvSchema, natsEnvSchema, portSchema, redisEnvSchema } from '@certctl/config';
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const origins = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine(
    (list) => list.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)),
    'must be a comma-separated list of origins such as https://app.example.com, or *',
  );

const upstream = (fallbackPort: number) => z.url().default(`http://127.0.0.1:${fallbackPort}`);

export const gatewayEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend({
    CERTCTL_GATEWAY_PORT: portSchema(8080),
    CERTCTL_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /** How long a verified API key is trusted from memory before it is looked up again (other replicas see a disable within this window). */
    CERTCTL_API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(300000).default(5000),
    /** last_used_at is written at most this often per key. */
    CERTCTL_API_KEY_LAST_USED_INTERVAL_MS: z.coerce.number().int().min(0).max(3600000).default(60000),
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
    CERTCTL_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(10000),
  });
export type GatewayConfig = z.output<typeof gatewayEnvSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
