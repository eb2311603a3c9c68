import { z } from 'zod';
import { contract } from '../contract';
import { statsSummarySchema } from '../inventory-lifecycle';

/** The fleet summary: the gateway's dashboard and the scheduler's digest counts. */
export const InventoryStats = {
  summary: contract({
    subject: 'certctl.v1.inventory.stats.summary',
    owner: 'inventory',
    callers: ['gateway', 'scheduler'],
    request: z.object({}),
    response: statsSummarySchema,
  }),
} as const;
