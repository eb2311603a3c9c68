import { z } from 'zod';
import { idSchema, isoDateSchema, nameSchema } from './schemas';

/** Discovery: certificates agents find on disk and the scheduler finds on the network, and their triage. */

export const DISCOVERY_MAX_ENTRIES = 5000;
export const discoverySourceSchema = z.enum(['agent', 'network']);
export const discoveryStatusSchema = z.enum(['unmanaged', 'managed', 'dismissed']);

const reportedPath = z.string().min(1).max(4096);

export const discoveryReportBodySchema = z.strictObject({
  scanned_at: isoDateSchema,
  directories: z.array(z.string().max(4096)).max(256).default([]),
  certificates: z
    .array(
      z.strictObject({
        path: reportedPath,
        format: z.enum(['pem', 'der', 'pkcs12']),
        certificate_pem: z.string().min(1).max(65536),
      }),
    )
    .max(DISCOVERY_MAX_ENTRIES)
    .describe('One entry per certificate: a chain file gives several entries with the same path'),
  errors: z
    .array(z.strictObject({ path: reportedPath, error: z.string().max(4000) }))
    .max(DISCOVERY_MAX_ENTRIES)
    .default([]),
});

export const discoveryReportResponseSchema = z.object({
  received: z.number().int().describe('Entries whose certificate was parsed and recorded'),
  new: z.number().int().describe('Of those, the ones never seen before at that location'),
  rejected: z
    .array(z.object({ index: z.number().int(), path: z.string(), error: z.string() }))
    .describe('Entries whose certificate_pem could not be parsed (not stored)'),
});

/** One certificate presented by a TLS server during a network scan (leaf first, then its chain). */
export const networkFindingSchema = z.object({
  address: z.string().describe('ip:port'),
  server_name: z.string().default(''),
  certificate_pem: z.string(),
});

export const discoveredCertificateSchema = z.object({
  id: z.string(),
  fingerprint_sha256: z.string(),
  source: discoverySourceSchema,
  source_id: z.string(),
  location: z.string(),
  server_name: z.string(),
  subject: z.string(),
  issuer: z.string(),
  sans: z.array(z.string()),
  serial: z.string(),
  not_before: isoDateSchema,
  not_after: isoDateSchema,
  key_algorithm: z.string(),
  key_size: z.number().int(),
  is_ca: z.boolean(),
  self_signed: z.boolean(),
  certificate_pem: z.string(),
  status: discoveryStatusSchema,
  managed_certificate_id: z.string().nullable(),
  dismiss_reason: z.string().nullable(),
  first_seen_at: isoDateSchema,
  last_seen_at: isoDateSchema,
  seen_count: z.number().int(),
});

export const listDiscoveredQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
  status: discoveryStatusSchema.optional(),
  source: discoverySourceSchema.optional(),
  agent_id: idSchema.optional(),
  expiring_within_days: z.coerce.number().int().min(0).max(3650).optional(),
  q: z.string().min(1).max(255).optional().describe('Substring of the subject, issuer, location or a SAN (case-insensitive)'),
});

export const discoverySummarySchema = z.object({
  total: z.number().int(),
  by_status: z.record(discoveryStatusSchema, z.number().int()),
  by_source: z.record(discoverySourceSchema, z.number().int()),
  expiring_within_30_days: z.number().int().describe('Unmanaged certificates whose notAfter is within 30 days (expired ones included)'),
});

export const claimDiscoveredBodySchema = z.union([
  z.strictObject({ certificate_id: idSchema.describe('Link to this managed certificate (a version must match its fingerprint or key)') }),
  z.strictObject({
    import: z.strictObject({
      name: nameSchema.optional(),
      owner_id: idSchema.optional(),
      team_id: idSchema.optional(),
      renewal_policy_id: idSchema.optional(),
      issuer_id: idSchema.optional().describe('The issuer renewals go to (default: the built-in local issuer)'),
    }),
  }),
]);

export const dismissDiscoveredBodySchema = z.strictObject({ reason: z.string().max(1000).optional() });

const scanCidrs = z.array(z.string().min(1).max(64)).min(1).max(64);
const scanPorts = z.array(z.number().int().min(1).max(65535)).min(1).max(64);

export const networkScanTargetSchema = z.object({
  id: z.string(),
  name: z.string(),
  cidrs: z.array(z.string()),
  ports: z.array(z.number().int()),
  interval_seconds: z.number().int(),
  timeout_ms: z.number().int(),
  concurrency: z.number().int(),
  enabled: z.boolean(),
  last_run_at: isoDateSchema.nullable(),
  next_run_at: isoDateSchema,
  last_result: z.record(z.string(), z.unknown()).nullable(),
  created_at: isoDateSchema,
  updated_at: isoDateSchema,
});

export const createNetworkScanTargetSchema = z.strictObject({
  name: nameSchema,
  cidrs: scanCidrs.describe('IPv4 blocks of at most /20, IPv6 blocks of at most 4096 addresses'),
  ports: scanPorts,
  interval_seconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 86400)
    .default(86400),
  timeout_ms: z.number().int().min(100).max(30000).default(3000),
  concurrency: z.number().int().min(1).max(256).default(32),
  enabled: z.boolean().default(true),
});

export const updateNetworkScanTargetSchema = z.strictObject({
  name: nameSchema.optional(),
  cidrs: scanCidrs.optional(),
  ports: scanPorts.optional(),
  interval_seconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 86400)
    .optional(),
  timeout_ms: z.number().int().min(100).max(30000).optional(),
  concurrency: z.number().int().min(1).max(256).optional(),
  enabled: z.boolean().optional(),
});

export const networkScanResultSchema = z.object({
  scanned_at: isoDateSchema,
  addresses: z.number().int(),
  handshakes: z.number().int(),
  certificates: z.number().int(),
  new: z.number().int(),
  errors: z.number().int(),
  refused: z.string().optional().describe('Why the scan did not run (a range outside the allow-list)'),
});

export const discoveryEventSchema = z.object({
  discovered_certificate_id: z.string(),
  fingerprint_sha256: z.string(),
  source: discoverySourceSchema,
  source_id: z.string(),
  location: z.string(),
  actor: z.string(),
  managed_certificate_id: z.string().nullable().optional(),
});
