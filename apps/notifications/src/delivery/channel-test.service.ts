import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ChannelType, NotificationsChannel, RpcRequestParsed, RpcResponse } from '@certctl/contracts';
import { counter, getLogger } from '@certctl/observability';
import { senderFor } from '../channels/channel.factory';
import { type ChannelConfig, DeliveryError, type Outgoing, type SendContext } from '../channels/channel.types';
import { sendContextFor } from '../channels/send-context';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../config';
import { ChannelService } from '../routing/channel.service';

type TestResult = RpcResponse<typeof NotificationsChannel.test>;

const tests = counter('certctl_notification_channel_tests_total', 'Test messages sent through channels by type and result', [
  'channel',
  'result',
]);

/**
 * "Send a test": one message through a channel now, with its real settings, secret, signature
 * and destination policy. Nothing is stored: no notification row, no retry, no alert.
 */
@Injectable()
export class ChannelTestService {
  constructor(
    private readonly channels: ChannelService,
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async test(req: RpcRequestParsed<typeof NotificationsChannel.test>): Promise<TestResult> {
    const channel = await this.channels.loadForTest(req.id);
    const ctx = sendContextFor(channel, this.config);
    const started = performance.now();
    const outcome = await sendTest(testMessage(req.id, req.actor.principal), ctx);
    const result = { ...outcome, duration_ms: Math.round(performance.now() - started) };
    tests.inc({ channel: channel.type, result: result.ok ? 'sent' : 'failed' });
    getLogger().info(
      { channel_id: req.id, actor: req.actor.principal, ok: result.ok, status: result.status },
      'notification channel tested',
    );
    return result;
  }
}

/** The message a test sends: event `channel.test`, info severity, saying who asked. */
export function testMessage(channelId: string, actor: string): Outgoing {
  const now = new Date().toISOString();
  return {
    id: `test-${randomUUID()}`,
    event: 'channel.test',
    severity: 'info',
    subject: 'certctl test message',
    message: `A test message through notification channel ${channelId}, sent by ${actor} at ${now}. No action is needed.`,
    recipient: '',
    dedupeKey: null,
    payload: { channel_id: channelId, test: true, requested_by: actor },
  };
}

/** Sends once (to each fixed recipient for email); the outcome as the API answers it, minus the duration. */
export async function sendTest(message: Outgoing, ctx: SendContext): Promise<Omit<TestResult, 'duration_ms'>> {
  const recipients = ctx.type === 'email' ? ((ctx.config as ChannelConfig).to ?? []) : [''];
  if (recipients.length === 0) return { ok: false, status: null, detail: 'the channel has no fixed recipients (config.to) to test with' };
  let status: number | null = null;
  try {
    for (const recipient of recipients) {
      const answered = await senderFor(ctx.type as ChannelType).send({ ...message, recipient }, ctx);
      status = typeof answered === 'number' ? answered : null;
    }
    return { ok: true, status, detail: 'delivered' };
  } catch (err) {
    if (err instanceof DeliveryError) return { ok: false, status: err.status ?? null, detail: err.message };
    return { ok: false, status: null, detail: 'delivery failed' };
  }
}
