import { z } from 'zod';
import { contract } from '../contract';
import {
  channelSchema,
  channelTestResultSchema,
  createChannelBodySchema,
  listChannelsResponseSchema,
  notificationActorSchema,
  updateChannelBodySchema,
} from '../notification-schemas';
import { idSchema } from '../schemas';

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
  get: contract({
    subject: 'certctl.v1.notifications.channel.get',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ id: idSchema }),
    response: channelSchema,
  }),
  /** Only the fields given change; same validation, sealing and destination policy as create. */
  update: contract({
    subject: 'certctl.v1.notifications.channel.update',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ actor: notificationActorSchema, id: idSchema, changes: updateChannelBodySchema }),
    response: channelSchema,
  }),
  /** Refused (conflict naming them) while routing rules reference the channel. */
  delete: contract({
    subject: 'certctl.v1.notifications.channel.delete',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ actor: notificationActorSchema, id: idSchema }),
    response: z.object({ id: z.string(), deleted: z.boolean() }),
  }),
  /** Sends a test message through the channel now; stores nothing. */
  test: contract({
    subject: 'certctl.v1.notifications.channel.test',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ actor: notificationActorSchema, id: idSchema }),
    response: channelTestResultSchema,
  }),
} as const;
