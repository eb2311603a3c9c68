// ChannelService's rules (required settings, destination policy, sealing) against hand-written fake repositories: no PostgreSQL.
import { AppError } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';
import { unitTestConfig } from '../testing/fixtures';
import type { ChannelChanges, ChannelRepository, ChannelRow, NewChannel } from './channel.repository';
import type { NewRule, RuleRepository, RuleRow } from './rule.repository';
import { ChannelService } from './channel.service';
import { RuleService } from './rule.service';

const config = unitTestConfig();
const actor = { principal: 'test-admin', role: 'admin' as const };
const at = new Date('2026-11-01T00:00:00.000Z');
const SLACK_URL = 'https://hooks.slack.example/services/T000/B000/secret-token';

/** An in-memory notification_channels table with the unique name of the real one. */
function fakeChannels() {
  const rows = new Map<string, ChannelRow>();
  const repo = {
    rows,
    insert: jest.fn(async (channel: NewChannel) => {
      if ([...rows.values()].some((row) => row.name === channel.name))
        throw new AppError('conflict', `a channel named "${channel.name}" already exists`);
      const row: ChannelRow = { ...channel, config: channel.config as Prisma.JsonValue, createdAt: at, updatedAt: at };
      rows.set(row.id, row);
      return row;
    }),
    findById: async (id: string) => rows.get(id) ?? null,
    update: jest.fn(async (id: string, changes: ChannelChanges) => {
      const row = rows.get(id);
      if (!row) throw AppError.notFound('notification_channel', id);
      const next = { ...row, ...changes, config: (changes.config ?? row.config) as Prisma.JsonValue, updatedAt: new Date() };
      rows.set(id, next);
      return next;
    }),
    delete: jest.fn(async (id: string) => rows.delete(id)),
    existingIds: async (ids: string[]) => ids.filter((id) => rows.has(id)),
    findAllConfigs: async () => [...rows.values()],
    replaceConfigIfUnchanged: jest.fn(async (id: string, readAt: Date, cfg: Prisma.InputJsonValue) => {
      const row = rows.get(id);
      if (!row || row.updatedAt.getTime() !== readAt.getTime()) return false;
      rows.set(id, { ...row, config: cfg as Prisma.JsonValue, updatedAt: new Date(readAt.getTime() + 1) });
      return true;
    }),
  };
  return repo;
}

function setup() {
  const channels = fakeChannels();
  const ruleRows: RuleRow[] = [];
  const rules = {
    insert: jest.fn(async (rule: NewRule): Promise<RuleRow> => {
      const row = { ...rule, createdAt: at, updatedAt: at };
      ruleRows.push(row);
      return row;
    }),
    findByChannel: async (channelId: string) => ruleRows.filter((r) => r.channelIds.includes(channelId)),
  };
  const service = new ChannelService(channels as unknown as ChannelRepository, rules as unknown as RuleRepository, config);
  const ruleService = new RuleService(rules as unknown as RuleRepository, channels as unknown as ChannelRepository);
  return { service, ruleService, channels, rules };
}

describe('ChannelService', () => {
  it('fail/a channel missing a required setting is a validation error naming the field, nothing stored', async () => {
    const { service, channels } = setup();
    const err = await service
      .createChannel({ actor, channel: { name: 'pd', type: 'pagerduty', config: {}, enabled: true } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'validation_failed', fields: [{ field: 'secret', message: 'is required' }] });
    expect(channels.insert).not.toHaveBeenCalled();
  });

  it('fail/a loopback destination is refused by the default policy, nothing stored', async () => {
    const { service, channels } = setup();
    await expect(
      service.createChannel({ actor, channel: { name: 'hook', type: 'webhook', config: { url: 'http://127.0.0.1:9/x' }, enabled: true } }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    expect(channels.insert).not.toHaveBeenCalled();
  });

  it('ok/the URL and the secret are stored sealed, answered masked, and opened only for delivery', async () => {
    const { service, channels } = setup();
    const dto = await service.createChannel({
      actor,
      channel: { name: 'slack', type: 'slack', config: { url: SLACK_URL }, secret: 'signing-secret', enabled: true },
    });
    expect(dto).toMatchObject({ name: 'slack', has_secret: true, config: { url: 'https://hooks.slack.example/…****' } });
    const stored = channels.rows.get(dto.id)!;
    expect(JSON.stringify(stored.config)).not.toContain('secret-token');
    expect(Buffer.from(stored.encryptedSecret!).toString('latin1')).not.toContain('signing-secret');
    await expect(service.loadForDelivery(dto.id)).resolves.toEqual({ type: 'slack', config: { url: SLACK_URL }, secret: 'signing-secret' });
  });

  it('fail/a second channel with the same name is the repository’s conflict, passed on', async () => {
    const { service } = setup();
    const body = { name: 'hook', type: 'webhook' as const, config: { url: 'https://hooks.example.test/a' }, enabled: true };
    await service.createChannel({ actor, channel: body });
    await expect(service.createChannel({ actor, channel: body })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('ok/a disabled channel is not loaded for delivery', async () => {
    const { service, channels } = setup();
    const dto = await service.createChannel({
      actor,
      channel: { name: 'off', type: 'webhook', config: { url: 'https://hooks.example.test/a' }, enabled: false },
    });
    expect(channels.rows.get(dto.id)?.enabled).toBe(false);
    await expect(service.loadForDelivery(dto.id)).resolves.toBeNull();
  });

  it('fail/a rule naming unknown channels is a validation error listing them, nothing stored', async () => {
    const { service, ruleService, rules } = setup();
    const known = await service.createChannel({
      actor,
      channel: { name: 'hook', type: 'webhook', config: { url: 'https://hooks.example.test/a' }, enabled: true },
    });
    await expect(
      ruleService.createRule({
        actor,
        rule: {
          name: 'r',
          events: ['certificate.expiring'],
          min_severity: 'info',
          channel_ids: [known.id, 'nch-x', 'nch-y'],
          enabled: true,
        },
      }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'channel_ids', message: 'unknown channels: nch-x, nch-y' }],
    });
    expect(rules.insert).not.toHaveBeenCalled();
  });

  it('ok/plain URLs stored before sealing are sealed once; sealed ones are left alone', async () => {
    const { service, channels } = setup();
    channels.rows.set('nch-legacy', {
      id: 'nch-legacy',
      name: 'legacy',
      type: 'slack',
      config: { url: SLACK_URL },
      encryptedSecret: null,
      enabled: true,
      createdAt: at,
      updatedAt: at,
    });
    expect(await service.sealLegacyUrls()).toBe(1);
    expect(await service.sealLegacyUrls()).toBe(0);
    expect(channels.replaceConfigIfUnchanged).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(channels.rows.get('nch-legacy')!.config)).not.toContain('secret-token');
    await expect(service.loadForDelivery('nch-legacy')).resolves.toMatchObject({ config: { url: SLACK_URL } });
  });

  describe('changes and deletion', () => {
    const hook = { name: 'hook', type: 'webhook' as const, config: { url: 'https://hooks.example.test/a' }, secret: 'k1', enabled: true };

    it('ok/a PATCH changes only the fields given: a new URL is sealed and masked, the secret kept', async () => {
      const { service, channels } = setup();
      const dto = await service.createChannel({ actor, channel: hook });
      const changed = await service.updateChannel({
        actor,
        id: dto.id,
        changes: { config: { url: 'https://other.example.test/b/token' } },
      });
      expect(changed).toMatchObject({ name: 'hook', has_secret: true, enabled: true, config: { url: 'https://other.example.test/…****' } });
      expect(JSON.stringify(channels.rows.get(dto.id)!.config)).not.toContain('token');
      await expect(service.loadForDelivery(dto.id)).resolves.toEqual({
        type: 'webhook',
        config: { url: 'https://other.example.test/b/token' },
        secret: 'k1',
      });
    });

    it('ok/secret null removes the secret; enabled false keeps the channel from deliveries', async () => {
      const { service } = setup();
      const dto = await service.createChannel({ actor, channel: hook });
      const changed = await service.updateChannel({ actor, id: dto.id, changes: { secret: null, enabled: false } });
      expect(changed).toMatchObject({ has_secret: false, enabled: false });
      await expect(service.loadForDelivery(dto.id)).resolves.toBeNull();
      await expect(service.unusableReason(dto.id)).resolves.toBe('channel_disabled');
      await expect(service.loadForTest(dto.id)).resolves.toMatchObject({ type: 'webhook', secret: undefined });
    });

    it('fail/a PATCH to a refused destination or removing a required secret is a 422 naming the field, nothing written', async () => {
      const { service, channels } = setup();
      const dto = await service.createChannel({ actor, channel: hook });
      await expect(
        service.updateChannel({ actor, id: dto.id, changes: { config: { url: 'http://127.0.0.1:9/x' } } }),
      ).rejects.toMatchObject({ code: 'validation_failed', fields: [expect.objectContaining({ field: 'config.url' })] });
      const pd = await service.createChannel({
        actor,
        channel: { name: 'pd', type: 'pagerduty', config: {}, secret: 'rk', enabled: true },
      });
      await expect(service.updateChannel({ actor, id: pd.id, changes: { secret: null } })).rejects.toMatchObject({
        code: 'validation_failed',
        fields: [{ field: 'secret', message: 'is required' }],
      });
      expect(channels.update).not.toHaveBeenCalled();
    });

    it('fail/PATCH, DELETE and test of an unknown channel are not_found', async () => {
      const { service } = setup();
      await expect(service.updateChannel({ actor, id: 'nch-none', changes: { enabled: false } })).rejects.toMatchObject({
        code: 'not_found',
      });
      await expect(service.deleteChannel({ actor, id: 'nch-none' })).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.loadForTest('nch-none')).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.unusableReason('nch-none')).resolves.toBe('channel_deleted');
    });

    it('fail/a channel routing rules use cannot be deleted: conflict naming the rules; unused, it is deleted', async () => {
      const { service, ruleService, channels } = setup();
      const dto = await service.createChannel({ actor, channel: hook });
      await ruleService.createRule({
        actor,
        rule: { name: 'ops', events: ['certificate.expiring'], min_severity: 'info', channel_ids: [dto.id], enabled: true },
      });
      const err = await service.deleteChannel({ actor, id: dto.id }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'conflict' });
      expect((err as Error).message).toMatch(/routing rules nrl-\S+ \("ops"\)/);
      expect(channels.delete).not.toHaveBeenCalled();
      const other = await service.createChannel({ actor, channel: { ...hook, name: 'unused' } });
      await expect(service.deleteChannel({ actor, id: other.id })).resolves.toEqual({ id: other.id, deleted: true });
      expect(channels.rows.has(other.id)).toBe(false);
    });
  });
});
