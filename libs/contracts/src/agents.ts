import { z } from 'zod';
import { isoDateSchema, jobSchema, nameSchema } from './schemas';

/** Agents: pull-based daemons on customer hosts. Registration, heartbeats, and claiming their work. */

export const agentSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostname: z.string(),
  status: z.enum(['online', 'offline', 'retired']),
  os: z.string(),
  architecture: z.string(),
  version: z.string(),
  ip_addresses: z.array(z.string()),
  last_heartbeat_at: isoDateSchema.nullable(),
  registered_at: isoDateSchema,
  retired_at: isoDateSchema.nullable().describe('When the agent was retired; its agent routes answer 410 from then on'),
});

export const registerAgentBodySchema = z.strictObject({ name: nameSchema, hostname: z.string().max(253).default('') });
export const heartbeatBodySchema = z.strictObject({
  hostname: z.string().max(253),
  os: z.string().max(64).default(''),
  architecture: z.string().max(32).default(''),
  version: z.string().max(64).default(''),
  ip_addresses: z.array(z.ipv4().or(z.ipv6())).max(64).default([]),
});
export const agentWorkQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(10) });
export const csrRequestSchema = jobSchema.extend({
  common_name: z.string(),
  sans: z.array(z.string()),
  allowed_key_algorithms: z.array(z.object({ algorithm: z.string(), min_size: z.number() })),
});
export const agentWorkSchema = z.object({
  claimed: z.array(jobSchema).describe('Jobs now running on this agent: do them and report their status'),
  awaiting_csr: z.array(csrRequestSchema).describe('Jobs waiting for this agent to generate a key and submit a CSR for these names'),
});
export const submitCsrBodySchema = z.strictObject({ csr_pem: z.string().min(100).max(65536) });
export const agentJobSchema = jobSchema.extend({
  certificate_pem: z.string().nullable().describe('The issued certificate, once the job has completed'),
  chain_pem: z.string().nullable(),
  target: z
    .object({ id: z.string(), name: z.string(), type: z.string(), config: z.record(z.string(), z.unknown()) })
    .nullable()
    .describe('For a deployment job: the target to deploy to (its type picks the agent connector); null otherwise'),
});
export const agentJobStatusBodySchema = z.strictObject({
  status: z.enum(['running', 'completed', 'failed']),
  error: z.string().max(4000).optional(),
  result: z.record(z.string(), z.unknown()).optional(),
});
export const listAgentsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
  status: z.enum(['online', 'offline', 'retired']).optional(),
});

/** What retiring an agent did: the agent (status `retired`) and how many of its jobs were failed. */
export const retireAgentSchema = z.object({
  agent: agentSchema,
  failed_jobs: z
    .number()
    .int()
    .describe('Pending, claimed or CSR-waiting jobs of the agent failed by this call (0 when it was already retired)'),
});
