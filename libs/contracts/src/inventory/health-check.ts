import { z } from 'zod';
import { contract } from '../contract';
import {
  createHealthCheckBodySchema,
  dueHealthCheckSchema,
  healthCheckResultSchema,
  healthCheckSchema,
  healthHistoryQuerySchema,
  healthStatusChangedSchema,
  healthSummarySchema,
  listHealthChecksQuerySchema,
  probeOutcomeSchema,
  updateHealthCheckBodySchema,
} from '../health-checks';
import { actorSchema, idSchema } from '../schemas';

const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });
const byId = z.object({ id: idSchema });
const byActorAndId = z.object({ actor: actorSchema, id: idSchema });

/** Endpoint health checks, owned by inventory: CRUD and history for the gateway, claiming and recording probes for the scheduler. */
export const InventoryHealthCheck = {
  create: contract({
    subject: 'certctl.v1.inventory.health-check.create',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, body: createHealthCheckBodySchema }),
    response: healthCheckSchema,
  }),
  get: contract({
    subject: 'certctl.v1.inventory.health-check.get',
    owner: 'inventory',
    callers: ['gateway'],
    request: byId,
    response: healthCheckSchema,
  }),
  list: contract({
    subject: 'certctl.v1.inventory.health-check.list',
    owner: 'inventory',
    callers: ['gateway'],
    request: listHealthChecksQuerySchema,
    response: page(healthCheckSchema),
  }),
  update: contract({
    subject: 'certctl.v1.inventory.health-check.update',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema, body: updateHealthCheckBodySchema }),
    response: healthCheckSchema,
  }),
  delete: contract({
    subject: 'certctl.v1.inventory.health-check.delete',
    owner: 'inventory',
    callers: ['gateway'],
    request: byActorAndId,
    response: z.object({ id: z.string() }),
  }),
  history: contract({
    subject: 'certctl.v1.inventory.health-check.history',
    owner: 'inventory',
    callers: ['gateway'],
    request: healthHistoryQuerySchema.extend({ id: idSchema }),
    response: page(healthCheckResultSchema),
  }),
  summary: contract({
    subject: 'certctl.v1.inventory.health-check.summary',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({}),
    response: healthSummarySchema,
  }),
  /** Probe one check now (enabled or not) and record the result like a scheduled probe. */
  checkNow: contract({
    subject: 'certctl.v1.inventory.health-check.check-now',
    owner: 'inventory',
    callers: ['gateway'],
    request: byActorAndId,
    response: z.object({ check: healthCheckSchema, result: healthCheckResultSchema }),
  }),
  /** The scheduler takes due checks (row locks skipping locked rows; next_check_at moves on), so replicas never probe one twice. */
  claimDue: contract({
    subject: 'certctl.v1.inventory.health-check.claim-due',
    owner: 'inventory',
    callers: ['scheduler'],
    request: z.object({ limit: z.number().int().min(1).max(1000) }),
    response: z.object({ checks: z.array(dueHealthCheckSchema) }),
  }),
  record: contract({
    subject: 'certctl.v1.inventory.health-check.record',
    owner: 'inventory',
    callers: ['scheduler'],
    request: z.object({ results: z.array(probeOutcomeSchema.extend({ check_id: idSchema })).max(1000) }),
    response: z.object({ recorded: z.number().int(), transitions: z.number().int() }),
  }),
  /** Retention: deletes up to `batch_size` results older than `before`; the scheduler repeats while a batch is full. */
  pruneResults: contract({
    subject: 'certctl.v1.inventory.health-check.prune-results',
    owner: 'inventory',
    callers: ['scheduler'],
    request: z.object({ before: z.string().datetime({ offset: true }), batch_size: z.number().int().min(1).max(100000) }),
    response: z.object({ deleted: z.number().int() }),
  }),

  statusChanged: contract({
    subject: 'certctl.v1.events.health.status-changed',
    emitters: ['inventory'],
    consumers: ['notifications'],
    payload: healthStatusChangedSchema,
  }),
} as const;
