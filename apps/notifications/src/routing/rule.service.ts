import { Injectable } from '@nestjs/common';
import { AppError, type NotificationRpc, type NotificationsRule, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { ChannelRepository } from './channel.repository';
import { type RuleChanges, type RuleRow, RuleRepository } from './rule.repository';

type RuleDto = RpcResponse<typeof NotificationsRule.get>;

/** Routing rules: which events (by renewal policy, team or owner) reach which channels at which severity. */
@Injectable()
export class RuleService {
  constructor(
    private readonly rules: RuleRepository,
    private readonly channels: ChannelRepository,
  ) {}

  async createRule(req: RpcRequestParsed<typeof NotificationRpc.ruleCreate>): Promise<RuleDto> {
    const { rule: body, actor } = req;
    await this.checkChannels(body.channel_ids);
    const row = await this.rules.insert({
      id: newId('nrl'),
      name: body.name,
      renewalPolicyId: body.renewal_policy_id ?? null,
      teamId: body.team_id ?? null,
      ownerId: body.owner_id ?? null,
      events: body.events,
      minSeverity: body.min_severity,
      channelIds: body.channel_ids,
      enabled: body.enabled,
    });
    getLogger().info({ rule_id: row.id, actor: actor.principal }, 'notification rule created');
    return toRuleDto(row);
  }

  async listRules(): Promise<RpcResponse<typeof NotificationRpc.ruleList>> {
    return { data: (await this.rules.findAllByName()).map(toRuleDto) };
  }

  async getRule(id: string): Promise<RuleDto> {
    const row = await this.rules.findById(id);
    if (!row) throw AppError.notFound('notification_rule', id);
    return toRuleDto(row);
  }

  /** Only the fields given change; a selector given as null is cleared; channel_ids must name existing channels. */
  async updateRule(req: RpcRequestParsed<typeof NotificationsRule.update>): Promise<RuleDto> {
    const { id, changes, actor } = req;
    if (changes.channel_ids) await this.checkChannels(changes.channel_ids);
    const data: RuleChanges = {};
    if (changes.name !== undefined) data.name = changes.name;
    if (changes.renewal_policy_id !== undefined) data.renewalPolicyId = changes.renewal_policy_id;
    if (changes.team_id !== undefined) data.teamId = changes.team_id;
    if (changes.owner_id !== undefined) data.ownerId = changes.owner_id;
    if (changes.events !== undefined) data.events = changes.events;
    if (changes.min_severity !== undefined) data.minSeverity = changes.min_severity;
    if (changes.channel_ids !== undefined) data.channelIds = changes.channel_ids;
    if (changes.enabled !== undefined) data.enabled = changes.enabled;
    const row = await this.rules.update(id, data);
    getLogger().info({ rule_id: id, fields: Object.keys(changes), actor: actor.principal }, 'notification rule changed');
    return toRuleDto(row);
  }

  async deleteRule(req: RpcRequestParsed<typeof NotificationsRule.delete>): Promise<{ id: string; deleted: boolean }> {
    if (!(await this.rules.delete(req.id))) throw AppError.notFound('notification_rule', req.id);
    getLogger().info({ rule_id: req.id, actor: req.actor.principal }, 'notification rule deleted');
    return { id: req.id, deleted: true };
  }

  /** 422 naming the channel ids that do not exist. */
  private async checkChannels(ids: string[]): Promise<void> {
    const found = await this.channels.existingIds(ids);
    const unknown = ids.filter((channelId) => !found.includes(channelId));
    if (unknown.length) throw AppError.validation([{ field: 'channel_ids', message: `unknown channels: ${unknown.join(', ')}` }]);
  }
}

function toRuleDto(r: RuleRow): RuleDto {
  return {
    id: r.id,
    name: r.name,
    renewal_policy_id: r.renewalPolicyId,
    team_id: r.teamId,
    owner_id: r.ownerId,
    events: r.events,
    min_severity: r.minSeverity as 'info',
    channel_ids: r.channelIds,
    enabled: r.enabled,
    created_at: r.createdAt.toISOString(),
  };
}
