import { DigestRpc, LifecycleRpc, NotificationRpc, type RpcContract } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import type { SchedulerConfig } from '../config';
import type { LeaseService } from '../loops/lease.service';
import type { DigestRepository } from './digest.repository';
import { DigestService } from './digest.service';

/** The ledger's contract in memory: one row per day, claimable until sent (the real one is a unique key in PostgreSQL). */
class MemoryLedger {
  rows = new Map<string, { holder: string; sent: boolean; notifications?: number; summary?: Record<string, number> }>();
  async claim(date: string, holder: string) {
    const row = this.rows.get(date);
    if (row && (row.sent || row.holder !== holder)) return false;
    this.rows.set(date, { holder, sent: false });
    return true;
  }
  async markSent(date: string, holder: string, notifications: number, summary: Record<string, number>) {
    const row = this.rows.get(date);
    if (row?.holder === holder) Object.assign(row, { sent: true, notifications, summary });
  }
  async release(date: string, holder: string) {
    if (this.rows.get(date)?.holder === holder && !this.rows.get(date)!.sent) this.rows.delete(date);
  }
}

const answers: Record<string, unknown> = {
  [LifecycleRpc.statsSummary.subject]: {
    certificates: { total: 3, by_status: { active: 3 } },
    expiring: { within_7_days: 1, within_30_days: 2 },
    jobs: { by_status: { awaiting_approval: 4 } },
    agents: { online: 0, offline: 2, retired: 0 },
  },
  [DigestRpc.items.subject]: { expiring: [], failed_jobs: { count: 3, items: [] }, awaiting_approval: [], agents_offline: [] },
  [NotificationRpc.counts.subject]: { by_status: { sent: 9, dead: 5 } },
  [NotificationRpc.list.subject]: { data: [], next_cursor: null },
  [NotificationRpc.dispatch.subject]: { created: 2, duplicates: 0 },
};

function setup(o: { hour?: number; ledger?: MemoryLedger; holder?: string; failDispatch?: boolean } = {}) {
  const calls: { subject: string; body: unknown }[] = [];
  const rpc = {
    request: jest.fn(async (c: RpcContract, body: unknown) => {
      calls.push({ subject: c.subject, body });
      if (o.failDispatch && c.subject === NotificationRpc.dispatch.subject) throw new Error('notifications unavailable');
      return answers[c.subject];
    }),
  } as unknown as RpcClient;
  const ledger = o.ledger ?? new MemoryLedger();
  const config = { CERTCTL_DIGEST_HOUR_UTC: o.hour ?? 8, CERTCTL_DIGEST_LIST_LIMIT: 7 } as SchedulerConfig;
  const lease = { holder: o.holder ?? 'replica-a' } as LeaseService;
  const service = new DigestService(rpc, ledger as unknown as DigestRepository, lease, config);
  const dispatches = () => calls.filter((c) => c.subject === NotificationRpc.dispatch.subject);
  return { service, ledger, calls, dispatches };
}

describe('DigestService.run', () => {
  it('ok/the first run at or after the hour sends one digest with the counts and records the day', async () => {
    const { service, ledger, calls, dispatches } = setup();
    await expect(service.run(new Date('2026-11-23T08:02:00Z'))).resolves.toEqual({ sent: 1, notifications: 2 });
    expect(calls.find((c) => c.subject === DigestRpc.items.subject)?.body).toEqual({
      limit: 7,
      failed_since: '2026-11-22T08:02:00.000Z',
      expiring_within_days: 30,
    });
    expect(calls.find((c) => c.subject === NotificationRpc.list.subject)?.body).toEqual({ status: 'dead', limit: 7 });
    expect(dispatches()).toHaveLength(1);
    const alert = (dispatches()[0]!.body as { alerts: { event: string; dedupe_key: string }[] }).alerts[0];
    expect(alert).toMatchObject({ event: 'digest', dedupe_key: 'digest:2026-11-23' });
    expect(ledger.rows.get('2026-11-23')).toEqual({
      holder: 'replica-a',
      sent: true,
      notifications: 2,
      summary: {
        expiring_7_days: 1,
        expiring_30_days: 2,
        failed_jobs: 3,
        awaiting_approval: 4,
        notifications_dead: 5,
        agents_offline: 2,
      },
    });
  });

  it('ok/later runs the same day, on this replica or another (a restart), send nothing; the next day sends again', async () => {
    const ledger = new MemoryLedger();
    const a = setup({ ledger, holder: 'replica-a' });
    const b = setup({ ledger, holder: 'replica-b' });
    await a.service.run(new Date('2026-11-23T08:00:00Z'));
    await expect(a.service.run(new Date('2026-11-23T08:05:00Z'))).resolves.toEqual({ sent: 0 });
    await expect(b.service.run(new Date('2026-11-23T20:00:00Z'))).resolves.toEqual({ sent: 0 });
    expect(a.dispatches()).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    await expect(b.service.run(new Date('2026-11-24T09:00:00Z'))).resolves.toMatchObject({ sent: 1 });
    expect(b.dispatches()).toHaveLength(1);
  });

  it('fail/before the hour nothing is claimed or asked', async () => {
    const { service, ledger, calls } = setup({ hour: 8 });
    await expect(service.run(new Date('2026-11-23T07:59:00Z'))).resolves.toEqual({ sent: 0 });
    expect(calls).toHaveLength(0);
    expect(ledger.rows.size).toBe(0);
  });

  it('fail/a failed dispatch gives the day back, so the next run retries it', async () => {
    const ledger = new MemoryLedger();
    const broken = setup({ ledger, failDispatch: true });
    await expect(broken.service.run(new Date('2026-11-23T08:00:00Z'))).rejects.toThrow('notifications unavailable');
    expect(ledger.rows.size).toBe(0);
    const ok = setup({ ledger, holder: 'replica-b' });
    await expect(ok.service.run(new Date('2026-11-23T08:05:00Z'))).resolves.toMatchObject({ sent: 1 });
  });
});
