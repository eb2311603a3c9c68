import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppError, type NotificationRpc, type NotificationsChannel, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type Prisma, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import { MASK, type SecretBox, maskedView, openValue, sealValue } from '@certctl/pki';
import { destinationProblems } from '../channels/destination';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../config';
import { type ChannelChanges, type ChannelRow, ChannelRepository } from './channel.repository';
import { RuleRepository } from './rule.repository';

type ChannelDto = RpcResponse<typeof NotificationsChannel.get>;

/** A channel with its URL and secret opened: for one delivery attempt or one test message, never stored or logged. */
export interface OpenedChannel {
  type: string;
  config: unknown;
  secret?: string;
}

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

  async createChannel(req: RpcRequestParsed<typeof NotificationRpc.channelCreate>): Promise<ChannelDto> {
    const { channel: body, actor } = req;
    const id = newId('nch');
    this.checkSettings(body.type, body.config, body.secret !== undefined);
    const row = await this.channels.insert({
      id,
      name: body.name,
      type: body.type,
      config: this.sealedConfig(id, body.config),
      encryptedSecret: body.secret ? this.sealedSecret(id, body.secret) : null,
      enabled: body.enabled,
    });
    getLogger().info({ channel_id: id, type: body.type, actor: actor.principal }, 'notification channel created');
    return toChannelDto(row);
  }

  async listChannels(): Promise<RpcResponse<typeof NotificationRpc.channelList>> {
    return { data: (await this.channels.findAllByName()).map(toChannelDto) };
  }

  async getChannel(id: string): Promise<ChannelDto> {
    return toChannelDto(await this.mustFind(id));
  }

  /**
   * Only the fields given change. The merged settings pass the same checks as a new channel's
   * (required settings, destination policy); a new URL or secret is sealed like at creation.
   */
  async updateChannel(req: RpcRequestParsed<typeof NotificationsChannel.update>): Promise<ChannelDto> {
    const { id, changes, actor } = req;
    const row = await this.mustFind(id);
    const current = this.opened(row);
    const config = { ...(current.config as Record<string, unknown>), ...changes.config };
    const hasSecret = changes.secret === undefined ? current.secret !== undefined : changes.secret !== null;
    this.checkSettings(row.type, config, hasSecret);
    const data: ChannelChanges = {};
    if (changes.name !== undefined) data.name = changes.name;
    if (changes.enabled !== undefined) data.enabled = changes.enabled;
    if (changes.config !== undefined) data.config = this.sealedConfig(id, config);
    if (changes.secret !== undefined) data.encryptedSecret = changes.secret === null ? null : this.sealedSecret(id, changes.secret);
    const updated = await this.channels.update(id, data);
    getLogger().info({ channel_id: id, fields: Object.keys(changes), actor: actor.principal }, 'notification channel changed');
    return toChannelDto(updated);
  }

  /** Refused while rules route to the channel (409 naming them): delete or change those rules first. */
  async deleteChannel(req: RpcRequestParsed<typeof NotificationsChannel.delete>): Promise<{ id: string; deleted: boolean }> {
    await this.mustFind(req.id);
    const rules = await this.rules.findByChannel(req.id);
    if (rules.length) {
      const names = rules.map((rule) => `${rule.id} (${JSON.stringify(rule.name)})`).join(', ');
      throw new AppError('conflict', `channel ${req.id} is used by routing rules ${names}: remove it from them or delete them first`);
    }
    if (!(await this.channels.delete(req.id))) throw AppError.notFound('notification_channel', req.id);
    getLogger().info({ channel_id: req.id, actor: req.actor.principal }, 'notification channel deleted');
    return { id: req.id, deleted: true };
  }

  /** The channel with its secret and URL opened, for one delivery attempt only; why not when it cannot be used. */
  async loadForDelivery(id: string): Promise<OpenedChannel | null> {
    const row = await this.channels.findById(id);
    if (!row || !row.enabled) return null;
    return this.opened(row);
  }

  /** Why a channel cannot take a delivery now, or null when it can. */
  async unusableReason(id: string | null): Promise<'channel_deleted' | 'channel_disabled' | null> {
    const row = id ? await this.channels.findById(id) : null;
    if (!row) return 'channel_deleted';
    return row.enabled ? null : 'channel_disabled';
  }

  /** The channel opened for a test message, enabled or not (testing before enabling is the point). */
  async loadForTest(id: string): Promise<OpenedChannel> {
    return this.opened(await this.mustFind(id));
  }

  private async mustFind(id: string): Promise<ChannelRow> {
    const row = await this.channels.findById(id);
    if (!row) throw AppError.notFound('notification_channel', id);
    return row;
  }

  /** Required settings and the destination policy, as at creation: 422 naming the fields. */
  private checkSettings(type: string, config: Record<string, unknown>, hasSecret: boolean): void {
    const missing = requiredConfig(type, config, hasSecret);
    if (missing.length) throw AppError.validation(missing, `A ${type} channel needs more settings.`);
    const refused = destinationProblems(type, config, hasSecret, {
      allowPrivateAddresses: this.config.CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES,
      smtpAllowPlaintextAuth: this.config.CERTCTL_NOTIFY_SMTP_ALLOW_PLAINTEXT_AUTH,
    });
    if (refused.length) throw AppError.validation(refused, `This ${type} channel's destination is not allowed.`);
  }

  private sealedConfig(id: string, config: Record<string, unknown>): Prisma.InputJsonValue {
    const out: Record<string, unknown> = { ...config };
    if (typeof config.url === 'string') out.url = sealValue(this.box, config.url, urlAad(id));
    return out as Prisma.InputJsonValue;
  }

  private sealedSecret(id: string, secret: string): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.box.encrypt(secret, `notification_channel:${id}`));
  }

  private opened(row: ChannelRow): OpenedChannel {
    const id = row.id;
    const secret = row.encryptedSecret
      ? this.box.decrypt(Buffer.from(row.encryptedSecret), `notification_channel:${id}`).toString('utf8')
      : undefined;
    const config = { ...(row.config as Record<string, unknown>) };
    // A URL stored before sealing is a plain string: used as is.
    if (config.url !== undefined) config.url = openValue(this.box, config.url, urlAad(id));
    return { type: row.type, config, secret };
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

function toChannelDto(r: ChannelRow): ChannelDto {
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
