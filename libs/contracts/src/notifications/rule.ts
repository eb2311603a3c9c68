import { z } from 'zod';
import { contract } from '../contract';
import { createRuleBodySchema, listRulesResponseSchema, notificationActorSchema, ruleSchema } from '../notification-schemas';

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
} as const;
