// NotificationService's routing and requeue rules against hand-written fake repositories: no PostgreSQL.
import { AppError } from '@certctl/contracts';
import { registry } from '@certctl/observability';
import type { QueueService } from '@certctl/queue';
import { notificationRow, unitTestConfig } from '../testing/fixtures';
import type { ChannelRepository, ChannelRow } from '../routing/channel.repository';
import type { RuleRepository, RuleRow } from '../routing/rule.repository';
import type { NewNotification, NotificationRepository, NotificationRow } from './notification.repository';
import { NotificationService } from './notification.service';

const config = unitTestConfig();
const actor = { principal: 'test-admin', role: 'admin' as const };
const at = new Date('2026-11-01T00:00:00.000Z');

const rule = (over: Partial<RuleRow>): RuleRow => ({
  id: 'nrl-1',
  name: 'rule',
  renewalPolicyId: null,
  teamId: null,
  ownerId: null,
  events: ['certificate.expiring'],
  minSeverity: 'info',
  channelIds: [],
  enabled: true,
  createdAt: at,
  updatedAt: at,
  ...over,
});
const channel = (over: Partial<ChannelRow>): ChannelRow => ({
  id: 'nch-1',
  name: 'hook',
  type: 'webhook',
  config: {},
  encryptedSecret: null,
  enabled: true,
  createdAt: at,
  updatedAt: at,
  ...over,
});

function setup({ rules = [] as RuleRow[], channels = [] as ChannelRow[], existingKeys = new Set<string>() } = {}) {
  const inserted: NewNotification[] = [];
  const events = {
    // Like the unique dedupe index: rows whose key is already stored are skipped.
    insertNew: jest.fn(async (rows: NewNotification[]) => {
      const fresh = rows.filter((row) => !row.dedupeKey || !existingKeys.has(row.dedupeKey));
      inserted.push(...fresh);
      return fresh.map((row) => row.id);
    }),
    reopenDead: jest.fn(async (): Promise<NotificationRow | null> => null),
    findStatus: jest.fn(async (): Promise<NotificationRow['status'] | null> => null),
    findById: jest.fn(async (): Promise<NotificationRow | null> => null),
  };
  const queues = { add: jest.fn(async () => undefined) };
  const service = new NotificationService(
    events as unknown as NotificationRepository,
    { findAll: async () => rules } as unknown as RuleRepository,
    { findAllByName: async () => channels } as unknown as ChannelRepository,
    queues as unknown as QueueService,
    config,
  );
  return { service, events, queues, inserted };
}

const alert = {
  event: 'certificate.expiring' as const,
  severity: 'warning' as const,
  subject: 'Certificate web-1 expires within 7 days',
  message: 'soon',
  dedupe_key: 'expiring:cert-1:7d',
  certificate: { id: 'cert-1', name: 'web-1', team_id: 'team-1', owner_email: 'owner@example.test' },
  data: {},
};

/** certctl_notification_skipped_total by reason, read from the shared registry. */
async function skippedCounts(): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('certctl_notification_skipped_total')!.get();
  const out: Record<string, number> = { rule_disabled: 0, channel_disabled: 0 };
  for (const v of metric.values) out[String(v.labels.reason)] = v.value;
  return out;
}

describe('NotificationService.dispatch', () => {
  it('ok/one row per routed channel, one per recipient for email, each queued; a channel not enabled (absent from the enabled list) gets none', async () => {
    const { service, inserted, queues } = setup({
      rules: [
        rule({ channelIds: ['nch-hook', 'nch-mail', 'nch-missing'] }),
        rule({ id: 'nrl-2', teamId: 'team-2', channelIds: ['nch-other'] }),
      ],
      channels: [
        channel({ id: 'nch-hook', name: 'hook' }),
        channel({ id: 'nch-mail', name: 'mail', type: 'email', config: { to: ['ops@example.test'], to_owner: true } }),
        channel({ id: 'nch-other', name: 'other' }),
      ],
    });
    await expect(service.dispatch({ alerts: [alert] })).resolves.toEqual({ created: 3, duplicates: 0 });
    expect(inserted.map((row) => [row.channelId, row.recipient, row.dedupeKey])).toEqual([
      ['nch-hook', 'hook', 'expiring:cert-1:7d|nch-hook'],
      ['nch-mail', 'ops@example.test', 'expiring:cert-1:7d|nch-mail|ops@example.test'],
      ['nch-mail', 'owner@example.test', 'expiring:cert-1:7d|nch-mail|owner@example.test'],
    ]);
    expect(inserted[0]).toMatchObject({ type: 'certificate.expiring', severity: 'warning', certificateId: 'cert-1', channel: 'webhook' });
    expect(queues.add).toHaveBeenCalledTimes(3);
  });

  it('ok/an alert already dispatched counts as a duplicate and is not queued again', async () => {
    const { service, queues } = setup({
      rules: [rule({ channelIds: ['nch-hook'] })],
      channels: [channel({ id: 'nch-hook' })],
      existingKeys: new Set(['expiring:cert-1:7d|nch-hook']),
    });
    await expect(service.dispatch({ alerts: [alert] })).resolves.toEqual({ created: 0, duplicates: 1 });
    expect(queues.add).not.toHaveBeenCalled();
  });

  it('ok/a disabled rule and a disabled channel route nothing, and each skip is counted by reason', async () => {
    const { service, inserted } = setup({
      rules: [rule({ channelIds: ['nch-hook', 'nch-off'] }), rule({ id: 'nrl-off', enabled: false, channelIds: ['nch-other'] })],
      channels: [
        channel({ id: 'nch-hook' }),
        channel({ id: 'nch-off', name: 'off', enabled: false }),
        channel({ id: 'nch-other', name: 'o' }),
      ],
    });
    const before = await skippedCounts();
    await expect(service.dispatch({ alerts: [alert] })).resolves.toEqual({ created: 1, duplicates: 0 });
    expect(inserted.map((row) => row.channelId)).toEqual(['nch-hook']);
    const after = await skippedCounts();
    expect(after.rule_disabled - before.rule_disabled).toBe(1);
    expect(after.channel_disabled - before.channel_disabled).toBe(1);
  });

  it('ok/an alert no rule selects writes nothing', async () => {
    const { service, events } = setup({ rules: [rule({ events: ['renewal.failed'], channelIds: ['nch-1'] })], channels: [channel({})] });
    await expect(service.dispatch({ alerts: [alert] })).resolves.toEqual({ created: 0, duplicates: 0 });
    expect(events.insertNew).not.toHaveBeenCalled();
  });
});

describe('NotificationService.requeue and get', () => {
  it('fail/only a dead notification can be requeued: another status is a conflict naming it', async () => {
    const { service, events, queues } = setup();
    events.findStatus.mockResolvedValue('sent');
    const err = await service.requeue({ id: 'ntf-1', actor }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'conflict', message: 'notification ntf-1 is sent; only dead notifications can be requeued' });
    expect(queues.add).not.toHaveBeenCalled();
  });

  it('fail/requeue and get of an unknown notification are not_found', async () => {
    const { service } = setup();
    await expect(service.requeue({ id: 'ntf-missing', actor })).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.get('ntf-missing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('ok/a dead notification is reopened and queued under its new generation, from attempt zero', async () => {
    const { service, events, queues } = setup();
    const reopened = notificationRow({ generation: 2 });
    events.reopenDead.mockResolvedValue(reopened);
    await expect(service.requeue({ id: 'ntf-1', actor })).resolves.toMatchObject({ id: 'ntf-1', status: 'pending', retry_count: 0 });
    expect(queues.add).toHaveBeenCalledWith(expect.any(String), 'ntf-1-g2-a0', { notification_id: 'ntf-1' }, { attempts: 1, delay: 0 });
  });
});
