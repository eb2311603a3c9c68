import type { ChannelType } from '@certctl/contracts';
import type { NotificationsConfig } from '../config';
import type { ChannelConfig, SendContext } from './channel.types';

/** How one send through an opened channel runs: its settings, its secret, the timeout and the destination policy. */
export function sendContextFor(channel: { type: string; config: unknown; secret?: string }, config: NotificationsConfig): SendContext {
  return {
    type: channel.type as ChannelType,
    config: channel.config as ChannelConfig,
    secret: channel.secret,
    timeoutMs: config.CERTCTL_NOTIFY_TIMEOUT_MS,
    policy: {
      allowPrivateAddresses: config.CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES,
      smtpAllowPlaintextAuth: config.CERTCTL_NOTIFY_SMTP_ALLOW_PLAINTEXT_AUTH,
    },
  };
}
