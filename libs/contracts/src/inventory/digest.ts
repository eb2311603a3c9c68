import { contract } from '../contract';
import { digestItemsRequestSchema, digestItemsResponseSchema } from '../digest';

/** The lists of the scheduler's daily digest (expiring, failed, awaiting approval, offline agents). */
export const InventoryDigest = {
  items: contract({
    subject: 'certctl.v1.inventory.digest.items',
    owner: 'inventory',
    callers: ['scheduler'],
    request: digestItemsRequestSchema,
    response: digestItemsResponseSchema,
  }),
} as const;
