import { z } from 'zod';
import {
  agentJobSchema,
  agentJobStatusBodySchema,
  agentSchema,
  agentWorkSchema,
  heartbeatBodySchema,
  listAgentsQuerySchema,
  registerAgentBodySchema,
  retireAgentSchema,
  submitCsrBodySchema,
} from '../agents';
import { contract } from '../contract';
import { agentMarkOfflineRequestSchema, agentMarkOfflineResponseSchema } from '../renewal-scan';
import { actorSchema, idSchema, jobSchema } from '../schemas';

/** Agents, owned by inventory: registration, heartbeats and claiming their work (the gateway's agent routes), and the offline sweep. */
export const InventoryAgent = {
  register: contract({
    subject: 'certctl.v1.inventory.agent.register',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, body: registerAgentBodySchema }),
    response: agentSchema,
  }),
  heartbeat: contract({
    subject: 'certctl.v1.inventory.agent.heartbeat',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ id: idSchema, body: heartbeatBodySchema }),
    response: z.object({ id: z.string(), status: z.literal('online') }),
  }),
  get: contract({
    subject: 'certctl.v1.inventory.agent.get',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ id: idSchema }),
    response: agentSchema,
  }),
  list: contract({
    subject: 'certctl.v1.inventory.agent.list',
    owner: 'inventory',
    callers: ['gateway'],
    request: listAgentsQuerySchema,
    response: z.object({ data: z.array(agentSchema), next_cursor: z.string().nullable() }),
  }),
  claimWork: contract({
    subject: 'certctl.v1.inventory.agent.claim-work',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ id: idSchema, limit: z.number().int().min(1).max(100) }),
    response: agentWorkSchema,
  }),
  submitCsr: contract({
    subject: 'certctl.v1.inventory.agent.submit-csr',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ id: idSchema, job_id: idSchema, body: submitCsrBodySchema }),
    response: jobSchema,
  }),
  job: contract({
    subject: 'certctl.v1.inventory.agent.job',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ id: idSchema, job_id: idSchema }),
    response: agentJobSchema,
  }),
  jobStatus: contract({
    subject: 'certctl.v1.inventory.agent.job-status',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ id: idSchema, job_id: idSchema, body: agentJobStatusBodySchema }),
    response: jobSchema,
  }),
  /** Retire: status `retired`, its open jobs failed; idempotent (a second call fails nothing more). */
  retire: contract({
    subject: 'certctl.v1.inventory.agent.retire',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema }),
    response: retireAgentSchema,
  }),
  /** The scheduler's agent-offline loop. */
  markOffline: contract({
    subject: 'certctl.v1.inventory.agent.mark-offline',
    owner: 'inventory',
    callers: ['scheduler'],
    request: agentMarkOfflineRequestSchema,
    response: agentMarkOfflineResponseSchema,
  }),
} as const;
