import { z } from 'zod';
import { contract } from '../contract';
import {
  campaignActionRequestSchema,
  campaignCreateRequestSchema,
  campaignItemRetryRequestSchema,
  campaignItemSchema,
  campaignItemsRequestSchema,
  campaignSchema,
  campaignTickResponseSchema,
  capacityPlanSchema,
  capacityQuerySchema,
  createCampaignResponseSchema,
  listCampaignItemsResponseSchema,
  listCampaignsQuerySchema,
  listCampaignsResponseSchema,
} from '../reissuance-schemas';
import { idSchema } from '../schemas';

/** Fleet re-issuance campaigns (inventory owns them; the scheduler's loop drives them). */
export const InventoryReissuance = {
  create: contract({
    subject: 'certctl.v1.inventory.reissuance.create',
    owner: 'inventory',
    callers: ['gateway'],
    request: campaignCreateRequestSchema,
    response: createCampaignResponseSchema,
  }),
  get: contract({
    subject: 'certctl.v1.inventory.reissuance.get',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ id: idSchema }),
    response: campaignSchema,
  }),
  list: contract({
    subject: 'certctl.v1.inventory.reissuance.list',
    owner: 'inventory',
    callers: ['gateway'],
    request: listCampaignsQuerySchema,
    response: listCampaignsResponseSchema,
  }),
  /** pause, resume or cancel. */
  act: contract({
    subject: 'certctl.v1.inventory.reissuance.act',
    owner: 'inventory',
    callers: ['gateway'],
    request: campaignActionRequestSchema,
    response: campaignSchema,
  }),
  items: contract({
    subject: 'certctl.v1.inventory.reissuance.items',
    owner: 'inventory',
    callers: ['gateway'],
    request: campaignItemsRequestSchema,
    response: listCampaignItemsResponseSchema,
  }),
  retryItem: contract({
    subject: 'certctl.v1.inventory.reissuance.retry-item',
    owner: 'inventory',
    callers: ['gateway'],
    request: campaignItemRetryRequestSchema,
    response: campaignItemSchema,
  }),
  /** One round of the scheduler's reissuance loop: start items within each campaign's rate, advance the others. */
  tick: contract({
    subject: 'certctl.v1.inventory.reissuance.tick',
    owner: 'inventory',
    callers: ['scheduler'],
    request: z.object({}),
    response: campaignTickResponseSchema,
  }),
  /** The capacity planner's answer, from the inventory and the issuances it observed. */
  capacity: contract({
    subject: 'certctl.v1.inventory.reissuance.capacity',
    owner: 'inventory',
    callers: ['gateway'],
    request: capacityQuerySchema,
    response: capacityPlanSchema,
  }),
} as const;
