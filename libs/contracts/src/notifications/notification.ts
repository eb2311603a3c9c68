import { z } from 'zod';
import { contract } from '../contract';
import {
  listNotificationsRequestSchema,
  listNotificationsResponseSchema,
  notificationActorSchema,
  notificationSchema,
} from '../notification-schemas';
import { idSchema } from '../schemas';

/** Delivery rows: read and requeued by the gateway, counted and listed for the scheduler's digest. */
export const NotificationsNotification = {
  list: contract({
    subject: 'certctl.v1.notifications.notification.list',
    owner: 'notifications',
    callers: ['gateway', 'scheduler'],
    request: listNotificationsRequestSchema,
    response: listNotificationsResponseSchema,
  }),
  get: contract({
    subject: 'certctl.v1.notifications.notification.get',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ id: idSchema }),
    response: notificationSchema,
  }),
  requeue: contract({
    subject: 'certctl.v1.notifications.notification.requeue',
    owner: 'notifications',
    callers: ['gateway'],
    request: z.object({ id: idSchema, actor: notificationActorSchema }),
    response: notificationSchema,
  }),
  counts: contract({
    subject: 'certctl.v1.notifications.notification.counts',
    owner: 'notifications',
    callers: ['gateway', 'scheduler'],
    request: z.object({}),
    response: z.object({ by_status: z.record(z.string(), z.number().int()) }),
  }),

  /** A notification row used its last attempt. */
  deadLettered: contract({
    subject: 'certctl.v1.events.notification.dead-lettered',
    emitters: ['notifications'],
    consumers: [],
    payload: z.object({ notification_id: z.string(), channel: z.string(), last_error: z.string() }),
  }),
} as const;
