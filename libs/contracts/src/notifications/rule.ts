import { z } from 'zod';
import { contract } from '../contract';
import {
  createRuleBodySchema,
  listRulesResponseSchema,
  notificationActorSchema,
  ruleSchema,
  updateRuleBodySchema,
} from '../notification-schemas';
import { idSchema } from '../schemas';

/** Routing rules: which events reach which channels. */
export const NotificationsRule = {
  create: contract({
    subject: 'certctl.v1.notifications.rule.create',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ actor: notificationActorSchema, rule: createRuleBodySchema }),
    response: ruleSchema,
  }),
  list: contract({
    subject: 'certctl.v1.notifications.rule.list',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({}),
    response: listRulesResponseSchema,
  }),
  get: contract({
    subject: 'certctl.v1.notifications.rule.get',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ id: idSchema }),
    response: ruleSchema,
  }),
  /** Only the fields given change; channel_ids must name existing channels. */
  update: contract({
    subject: 'certctl.v1.notifications.rule.update',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ actor: notificationActorSchema, id: idSchema, changes: updateRuleBodySchema }),
    response: ruleSchema,
  }),
  delete: contract({
    subject: 'certctl.v1.notifications.rule.delete',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ actor: notificationActorSchema, id: idSchema }),
    response: z.object({ id: z.string(), deleted: z.boolean() }),
  }),
} as const;
