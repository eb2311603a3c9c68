import { z } from 'zod';
import { defineRpc as rpc } from './contracts';
import { actorSchema, idSchema, jobSchema } from './schemas';

/**
 * An operator's retry of a dead-lettered issuance or renewal job: `failed` → `pending`,
 * attempts reset to 0, the queue entry requeued with a fresh attempt budget. `last_error`
 * is kept until the retried job completes (then cleared) or fails again (then replaced).
 */
export const JobRetryRpc = {
  retry: rpc('certctl.v1.inventory.job.retry', z.object({ actor: actorSchema, id: idSchema }), jobSchema),
} as const;
