import { z } from 'zod';
import { contract } from '../contract';
import { jobReapStaleRequestSchema, jobReapStaleResponseSchema } from '../renewal-scan';
import {
  actorSchema,
  getByIdSchema,
  idSchema,
  jobCompleteRequestSchema,
  jobCompleteResponseSchema,
  jobDecisionEventSchema,
  jobDecisionRequestSchema,
  jobFailRequestSchema,
  jobFailResponseSchema,
  jobSchema,
  jobStartResponseSchema,
  listJobsRequestSchema,
  listJobsResponseSchema,
} from '../schemas';

/** Issuance, renewal and deployment jobs, owned by inventory: the issuance worker's steps, reads, approvals, retries and the reaper. */
export const InventoryJob = {
  /** The issuance queue worker: start, then complete or fail. */
  start: contract({
    subject: 'certctl.v1.inventory.job.start',
    owner: 'inventory',
    callers: ['issuance'],
    request: getByIdSchema,
    response: jobStartResponseSchema,
  }),
  complete: contract({
    subject: 'certctl.v1.inventory.job.complete',
    owner: 'inventory',
    callers: ['issuance'],
    request: jobCompleteRequestSchema,
    response: jobCompleteResponseSchema,
  }),
  fail: contract({
    subject: 'certctl.v1.inventory.job.fail',
    owner: 'inventory',
    callers: ['issuance'],
    request: jobFailRequestSchema,
    response: jobFailResponseSchema,
  }),
  /** ACME: the job behind an order being finalized. */
  get: contract({
    subject: 'certctl.v1.inventory.job.get',
    owner: 'inventory',
    callers: ['gateway', 'acme'],
    request: getByIdSchema,
    response: jobSchema,
  }),
  list: contract({
    subject: 'certctl.v1.inventory.job.list',
    owner: 'inventory',
    callers: ['gateway'],
    request: listJobsRequestSchema,
    response: listJobsResponseSchema,
  }),
  approve: contract({
    subject: 'certctl.v1.inventory.job.approve',
    owner: 'inventory',
    callers: ['gateway'],
    request: jobDecisionRequestSchema,
    response: jobSchema,
  }),
  reject: contract({
    subject: 'certctl.v1.inventory.job.reject',
    owner: 'inventory',
    callers: ['gateway'],
    request: jobDecisionRequestSchema,
    response: jobSchema,
  }),
  /**
   * An operator's retry of a dead-lettered issuance or renewal job: `failed` → `pending`,
   * attempts reset to 0, the queue entry requeued with a fresh attempt budget. `last_error`
   * is kept until the retried job completes (then cleared) or fails again (then replaced).
   */
  retry: contract({
    subject: 'certctl.v1.inventory.job.retry',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema }),
    response: jobSchema,
  }),
  /** The scheduler's job reaper: jobs stuck in running, awaiting_csr or awaiting_approval. */
  reapStale: contract({
    subject: 'certctl.v1.inventory.job.reap-stale',
    owner: 'inventory',
    callers: ['scheduler'],
    request: jobReapStaleRequestSchema,
    response: jobReapStaleResponseSchema,
  }),

  failed: contract({
    subject: 'certctl.v1.events.job.failed',
    emitters: ['inventory'],
    consumers: ['acme', 'notifications', 'gateway'],
    payload: z.object({ job_id: z.string(), certificate_id: z.string(), error: z.string() }),
  }),
  approved: contract({
    subject: 'certctl.v1.events.job.approved',
    emitters: ['inventory'],
    consumers: [],
    payload: jobDecisionEventSchema,
  }),
  rejected: contract({
    subject: 'certctl.v1.events.job.rejected',
    emitters: ['inventory'],
    consumers: [],
    payload: jobDecisionEventSchema,
  }),
} as const;
