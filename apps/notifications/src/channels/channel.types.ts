import type { ChannelType } from '@certctl/contracts';
import type { DestinationPolicy } from './destination';

/** Non-secret settings of a channel (notification_channels.config). */
export interface ChannelConfig {
  url?: string;
  smtp_host?: string;
  smtp_port?: number;
  smtp_user?: string;
  starttls?: boolean;
  from?: string;
  to?: string[];
  to_owner?: boolean;
}

/** What one delivery attempt sends. */
export interface Outgoing {
  id: string;
  event: string;
  severity: string;
  subject: string;
  message: string;
  recipient: string;
  dedupeKey: string | null;
  payload: Record<string, unknown>;
}

export interface SendContext {
  type: ChannelType;
  config: ChannelConfig;
  /** Decrypted just for this attempt; never logged or stored in errors. */
  secret?: string;
  timeoutMs: number;
  /** Which destinations may be connected to, and whether SMTP may authenticate without TLS. */
  policy: DestinationPolicy;
}

/** One handler per channel type, behind a factory (see channel.factory.ts). */
export interface ChannelSender {
  /** Resolves with the receiver's HTTP status for channels that speak HTTP (nothing for email). */
  send(n: Outgoing, ctx: SendContext): Promise<number | void>;
}

/**
 * A delivery failure whose message is safe to store in last_error (no secrets, bounded).
 * `retryable` is decided by the channel where it knows: false for a failure that will never
 * succeed as configured (bad URL, destination refused by policy, missing secret, a 4xx that
 * is not about load or timing, a permanent SMTP refusal), so the row is dead-lettered at
 * once; true for an outage, a timeout or a server error, retried with backoff.
 */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  /** The receiver's HTTP status when it answered one. */
  readonly status?: number;

  constructor(message: string, options: { retryable: boolean; status?: number }) {
    super(message.slice(0, 500));
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    this.status = options.status;
  }
}
