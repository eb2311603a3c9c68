import type { ChannelType } from '@certctl/contracts';
import type { ChannelSender } from './channel.types';
import { EmailChannel } from './email.channel';
import { OpsGenieChannel, PagerDutyChannel, SlackChannel, TeamsChannel, WebhookChannel } from './http.channels';

const SENDERS: Record<ChannelType, ChannelSender> = {
  webhook: new WebhookChannel(),
  email: new EmailChannel(),
  slack: new SlackChannel(),
  teams: new TeamsChannel(),
  pagerduty: new PagerDutyChannel(),
  opsgenie: new OpsGenieChannel(),
};

export function senderFor(type: ChannelType): ChannelSender {
  return SENDERS[type];
}
