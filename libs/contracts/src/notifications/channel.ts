import { z } from 'zod';
import { contract } from '../contract';
import { channelSchema, createChannelBodySchema, listChannelsResponseSchema, notificationActorSchema } from '../notification-schemas';

/** Where alerts go (webhook, email, Slack, Teams, PagerDuty, OpsGenie). */
export const NotificationsChannel = {
  create: contract({
    subject: 'certctl.v1.notifications.channel.create',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ actor: notificationActorSchema, channel: createChannelBodySchema }),
    response: channelSchema,
  }),
  list: contract({
    subject: 'certctl.v1.notifications.channel.list',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({}),
    response: listChannelsResponseSchema,
  }),
} as const;
