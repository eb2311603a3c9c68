// Fixtures of the notifications app's unit specs (never imported by production code).
import { DeliveryError, type Outgoing, type SendContext } from '../channels/channel.types';
import type { DestinationPolicy } from '../channels/destination';
import { type NotificationsConfig, notificationsEnvSchema } from '../config';
import type { NotificationRow } from '../notifications/notification.repository';

/** The service's configuration as parsed from a minimal environment (nothing is connected to). */
export function unitTestConfig(env: Record<string, string> = {}): NotificationsConfig {
  return notificationsEnvSchema.parse({
    DATABASE_URL: 'postgresql://u:p@127.0.0.1/db',
    REDIS_URL: 'redis://127.0.0.1:6379',
    NATS_URL: 'nats://127.0.0.1:4222',
    CERTCTL_ENCRYPTION_KEY: 'unit-test-encryption-key-0123456789abcdef',
    ...env,
  });
}

export const outgoing: Outgoing = {
  id: 'ntf-1',
  event: 'certificate.expiring',
  severity: 'warning',
  subject: 'Certificate web-1 expires soon',
  message: 'soon',
  recipient: 'ops@example.test',
  dedupeKey: null,
  payload: {},
};

export const strictPolicy: DestinationPolicy = { allowPrivateAddresses: false, smtpAllowPlaintextAuth: false };
export const relaxedPolicy: DestinationPolicy = { allowPrivateAddresses: true, smtpAllowPlaintextAuth: false };

export const sendContext = (config: SendContext['config'], policy: DestinationPolicy, secret?: string): SendContext => ({
  type: 'webhook',
  config,
  secret,
  timeoutMs: 3000,
  policy,
});

/** The DeliveryError a send fails with; throws when it succeeds or fails with anything else. */
export async function deliveryFailureOf(sending: Promise<unknown>): Promise<DeliveryError> {
  try {
    await sending;
  } catch (err) {
    if (err instanceof DeliveryError) return err;
    throw new Error(`expected a DeliveryError, got ${String(err)}`);
  }
  throw new Error('expected the delivery to fail');
}

export const notificationRow = (over: Partial<NotificationRow> = {}): NotificationRow => ({
  id: 'ntf-1',
  type: 'certificate.expiring',
  certificateId: 'cert-1',
  channel: 'webhook',
  channelId: 'nch-1',
  recipient: 'hook',
  subject: 'Certificate web-1 expires soon',
  message: 'soon',
  dedupeKey: 'expiring:cert-1|nch-1',
  status: 'pending',
  retryCount: 0,
  nextRetryAt: null,
  lastError: null,
  deliveredAttempt: null,
  sentAt: null,
  createdAt: new Date('2026-11-01T00:00:00.000Z'),
  severity: 'warning',
  payload: {},
  generation: 0,
  deliveringUntil: null,
  updatedAt: new Date('2026-11-01T00:00:00.000Z'),
  ...over,
});
