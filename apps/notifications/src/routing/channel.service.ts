import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppError, type NotificationRpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type Prisma, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import { MASK, type SecretBox, maskedView, openValue, sealValue } from '@certctl/pki';
import { destinationProblems } from '../channels/destination';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../config';
import { type ChannelRow, ChannelRepository } from './channel.repository';
import { type RuleRow, RuleRepository } from './rule.repository';

/** The AAD a channel's sealed URL is bound to. */
const urlAad = (id: string) => `notification_channel:${id}:url`;

/**
 * Channels and routing rules. Channel secrets and URLs (Slack, Teams and webhook URLs carry
 * their credential in the path) are sealed with SecretBox (bound to the channel id), never
 * logged, and answered only masked (`https://hooks.slack.com/…****`).
 */
@Injectable()
export class ChannelService implements OnApplicationBootstrap {
  private readonly box: SecretBox;

  constructor(
    private readonly channels: ChannelRepository,
    private readonly rules: RuleRepository,
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
  ) {
    this.box = secretBoxFromConfig(config);
  }

  onApplicationBootstrap(): void {
    void this.sealLegacyUrls().catch((err: Error) => getLogger().warn({ err: err.message }, 'sealing channel URLs failed'));
  }

  /** Channels written before URLs were sealed get theirs sealed now (they kept working meanwhile). */
  async sealLegacyUrls(): Promise<number> {
    const rows = await this.channels.findAllConfigs();
    let sealed = 0;
    for (const row of rows) {
      const cfg = row.config as Record<string, unknown>;
      if (typeof cfg?.url !== 'string') continue;
      const config: Record<string, unknown> = { ...cfg, url: sealValue(this.box, cfg.url, urlAad(row.id)) };
      // Conditional on the row being unchanged since it was read (another replica may do the same).
      if (await this.channels.replaceConfigIfUnchanged(row.id, row.updatedAt, config as Prisma.InputJsonValue)) sealed++;
    }
    if (sealed) getLogger().info({ channels: sealed }, 'sealed the URLs of notification channels stored before URLs were sealed');
    return sealed;
  }

  async createChannel(
    req: RpcRequestParsed<typeof NotificationRpc.channelCreate>,
  ): Promise<RpcResponse<typeof NotificationRpc.channelCreate>> {
    const { channel: body, actor } = req;
    const id = newId('nch');
    const missing = requiredConfig(body.type, body.config, body.secret !== undefined);
    if (missing.length) throw AppError.validation(missing, `A ${body.type} channel needs more settings.`);
    const refused = destinationProblems(body.type, body.config, body.secret !== undefined, {
      allowPrivateAddresses: this.config.CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES,
      smtpAllowPlaintextAuth: this.config.CERTCTL_NOTIFY_SMTP_ALLOW_PLAINTEXT_AUTH,
    });
    if (refused.length) throw AppError.validation(refused, `This ${body.type} channel's destination is not allowed.`);
    const config: Record<string, unknown> = { ...body.config };
    if (body.config.url) config.url = sealValue(this.box, body.config.url, urlAad(id));
    const row = await this.channels.insert({
      id,
      name: body.name,
      type: body.type,
      config: config as Prisma.InputJsonValue,
      encryptedSecret: body.secret ? new Uint8Array(this.box.encrypt(body.secret, `notification_channel:${id}`)) : null,
      enabled: body.enabled,
    });
    getLogger().info({ channel_id: id, type: body.type, actor: actor.principal }, 'notification channel created');
    return toChannelDto(row);
  }

  async listChannels(): Promise<RpcResponse<typeof NotificationRpc.channelList>> {
    return { data: (await this.channels.findAllByName()).map(toChannelDto) };
  }

  /** The channel with its secret and URL opened, for one delivery attempt only. */
  async loadForDelivery(id: string): Promise<{ type: string; config: unknown; secret?: string } | null> {
    const row = await this.channels.findById(id);
    if (!row || !row.enabled) return null;
    const secret = row.encryptedSecret
      ? this.box.decrypt(Buffer.from(row.encryptedSecret), `notification_channel:${id}`).toString('utf8')
      : undefined;
    const config = { ...(row.config as Record<string, unknown>) };
    // A URL stored before sealing is a plain string: used as is.
    if (config.url !== undefined) config.url = openValue(this.box, config.url, urlAad(id));
    return { type: row.type, config, secret };
  }

  async createRule(req: RpcRequestParsed<typeof NotificationRpc.ruleCreate>): Promise<RpcResponse<typeof NotificationRpc.ruleCreate>> {
    const { rule: body, actor } = req;
    const found = await this.channels.existingIds(body.channel_ids);
    const unknown = body.channel_ids.filter((channelId) => !found.includes(channelId));
    if (unknown.length) throw AppError.validation([{ field: 'channel_ids', message: `unknown channels: ${unknown.join(', ')}` }]);
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
}

function requiredConfig(type: string, cfg: Record<string, unknown>, hasSecret: boolean) {
  const out: { field: string; message: string }[] = [];
  if (['webhook', 'slack', 'teams'].includes(type) && !cfg.url) out.push({ field: 'config.url', message: 'is required' });
  if (type === 'email' && !cfg.smtp_host) out.push({ field: 'config.smtp_host', message: 'is required' });
  if (type === 'email' && !(cfg.to as unknown[] | undefined)?.length && !cfg.to_owner) {
    out.push({ field: 'config.to', message: 'set recipients or to_owner' });
  }
  if ((type === 'pagerduty' || type === 'opsgenie') && !hasSecret) out.push({ field: 'secret', message: 'is required' });
  return out;
}

/** The settings as answered: the URL (sealed, or plain from before sealing) masked to scheme and host. */
function maskedChannelConfig(config: unknown): Record<string, unknown> {
  const c = { ...(config as Record<string, unknown>) };
  if (c.url !== undefined) c.url = maskedView(c.url) ?? MASK;
  return c;
}

function toChannelDto(r: ChannelRow) {
  return {
    id: r.id,
    name: r.name,
    type: r.type as 'webhook',
    config: maskedChannelConfig(r.config),
    has_secret: r.encryptedSecret !== null,
    enabled: r.enabled,
    created_at: r.createdAt.toISOString(),
  };
}

function toRuleDto(r: RuleRow) {
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
