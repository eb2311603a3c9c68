import { contract } from '../contract';
import { dispatchRequestSchema, dispatchResponseSchema } from '../notification-schemas';

/** Alerts to route to channels: the scheduler's alerts (expiring, renewal due, agent offline, awaiting approval, digest). */
export const NotificationsAlert = {
  dispatch: contract({
    subject: 'certctl.v1.notifications.alert.dispatch',
    owner: 'notifications',
    callers: ['scheduler'],
    request: dispatchRequestSchema,
    response: dispatchResponseSchema,
  }),
} as const;
