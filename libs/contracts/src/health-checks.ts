import { isIP } from 'node:net';
import { z } from 'zod';
import { isDnsName } from './identifiers';
import { idSchema, isoDateSchema, nameSchema } from './schemas';

/** Endpoint health checks: a TLS endpoint probed on an interval; the served leaf is compared with what is expected. */

export const HEALTH_STATUSES = ['unknown', 'healthy', 'degraded', 'down', 'cert_mismatch'] as const;
export const healthStatusSchema = z.enum(HEALTH_STATUSES);
export type HealthStatus = z.infer<typeof healthStatusSchema>;

/** The shortest probe interval: a check is probed at most every 30 s. */
export const HEALTH_CHECK_MIN_INTERVAL_SECONDS = 30;

const fingerprintSchema = z
  .string()
  .transform((value) => value.replace(/:/g, '').toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 fingerprint: 64 hex digits (colons allowed)'));
const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .refine((value) => isIP(value) !== 0 || (isDnsName(value) && !value.startsWith('*')), 'must be a DNS name or an IP address');
const sniSchema = z
  .string()
  .max(253)
  .refine((value) => isDnsName(value) && !value.startsWith('*'), 'must be a DNS name');

const healthCheckFields = {
  name: nameSchema,
  host: hostSchema,
  port: z.number().int().min(1).max(65535),
  /** The TLS server name sent; defaults to the host when it is a DNS name. */
  sni: sniSchema.nullable(),
  expected_fingerprint: fingerprintSchema.nullable(),
  certificate_id: idSchema.nullable(),
  interval_seconds: z.number().int().min(HEALTH_CHECK_MIN_INTERVAL_SECONDS).max(86400),
  timeout_ms: z.number().int().min(100).max(60000),
  enabled: z.boolean(),
};

export const createHealthCheckBodySchema = z.strictObject({
  ...healthCheckFields,
  sni: healthCheckFields.sni.default(null),
  expected_fingerprint: healthCheckFields.expected_fingerprint.default(null),
  certificate_id: healthCheckFields.certificate_id.default(null),
  interval_seconds: healthCheckFields.interval_seconds.default(300),
  timeout_ms: healthCheckFields.timeout_ms.default(5000),
  enabled: healthCheckFields.enabled.default(true),
});
export const updateHealthCheckBodySchema = z
  .strictObject(healthCheckFields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change');

export const healthCheckSchema = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  sni: z.string().nullable(),
  expected_fingerprint: z.string().nullable(),
  certificate_id: z.string().nullable(),
  interval_seconds: z.number().int(),
  timeout_ms: z.number().int(),
  enabled: z.boolean(),
  status: healthStatusSchema,
  consecutive_failures: z.number().int(),
  last_checked_at: isoDateSchema.nullable(),
  next_check_at: isoDateSchema,
  last_error: z.string().nullable(),
  served_fingerprint: z.string().nullable(),
  served_not_after: isoDateSchema.nullable(),
  created_at: isoDateSchema,
  updated_at: isoDateSchema,
});
export type HealthCheckDto = z.output<typeof healthCheckSchema>;

export const listHealthChecksQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
  status: healthStatusSchema.optional(),
});
export const healthHistoryQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});

/** What one probe saw: a TLS handshake's outcome (sent by the prober, stored as one history row). */
export const probeOutcomeSchema = z.object({
  checked_at: isoDateSchema,
  ok: z.boolean(),
  latency_ms: z.number().int().min(0).nullable(),
  served_fingerprint: z.string().nullable(),
  served_not_after: isoDateSchema.nullable(),
  error: z.string().max(2000).nullable(),
});
export type ProbeOutcome = z.output<typeof probeOutcomeSchema>;

export const healthCheckResultSchema = z.object({
  check_id: z.string(),
  checked_at: isoDateSchema,
  ok: z.boolean(),
  latency_ms: z.number().int().nullable(),
  served_fingerprint: z.string().nullable(),
  error: z.string().nullable(),
  status_after: healthStatusSchema,
});
export type HealthCheckResultDto = z.output<typeof healthCheckResultSchema>;

export const healthSummarySchema = z.object({
  total: z.number().int(),
  by_status: z.record(healthStatusSchema, z.number().int()),
});

/** What the scheduler probes: the due checks it claimed (their next_check_at is already moved on). */
export const dueHealthCheckSchema = z.object({
  id: z.string(),
  host: z.string(),
  port: z.number().int(),
  sni: z.string().nullable(),
  timeout_ms: z.number().int(),
});
export type DueHealthCheck = z.output<typeof dueHealthCheckSchema>;

export const healthStatusChangedSchema = z.object({
  health_check_id: z.string(),
  name: z.string(),
  address: z.string(),
  from: healthStatusSchema,
  to: healthStatusSchema,
  certificate_id: z.string().nullable(),
  served_fingerprint: z.string().nullable(),
  expected_fingerprints: z.array(z.string()),
  error: z.string().nullable(),
  checked_at: isoDateSchema,
});
export type HealthStatusChanged = z.output<typeof healthStatusChangedSchema>;
