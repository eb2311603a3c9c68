import { z } from 'zod';
import { contract } from '../contract';
import { jobReapStaleRequestSchema, jobReapStaleResponseSchema } from '../renewal-scan';
import {
  actorSchema,
  getByIdSchema,
  idSchema,
  isoDateSchema,
  jobCompleteRequestSchema,
  jobCompleteResponseSchema,
  jobDecisionEventSchema,
  jobDecisionRequestSchema,
  jobFailRequestSchema,
  jobFailResponseSchema,
  jobSchema,
  jobStartResponseSchema,
  jobStatusSchema,
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
  /**
   * An asynchronous CA accepted the request but has not finished it: `running` → `awaiting_ca`,
   * the CA's order id kept in the job's result; the issuance service polls the CA (ca_orders)
   * and then completes or fails the job. Repeating it for a job already waiting is harmless.
   */
  awaitCa: contract({
    subject: 'certctl.v1.inventory.job.await-ca',
    owner: 'inventory',
    callers: ['issuance'],
    request: z.object({
      job_id: idSchema,
      ca_order_id: z.string().min(1).max(256),
      next_poll_at: isoDateSchema.describe('When the issuance service asks the CA next'),
    }),
    response: z.object({ job_id: z.string(), status: jobStatusSchema }),
  }),
  /** ACME: the job behind an order being finalized; issuance: whether a job awaiting a CA is still wanted. */
  get: contract({
    subject: 'certctl.v1.inventory.job.get',
    owner: 'inventory',
    callers: ['gateway', 'acme', 'issuance'],
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
  /**
   * An operator's cancellation of a job that has not started: `pending`, `awaiting_approval` or
   * `awaiting_csr` → `cancelled` (a running job is a conflict). An issuance or renewal job's
   * certificate moves like after a rejected approval.
   */
  cancel: contract({
    subject: 'certctl.v1.inventory.job.cancel',
    owner: 'inventory',
    callers: ['gateway'],
    request: jobDecisionRequestSchema,
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
  cancelled: contract({
    subject: 'certctl.v1.events.job.cancelled',
    emitters: ['inventory'],
    consumers: [],
    payload: jobDecisionEventSchema,
  }),
} as const;
