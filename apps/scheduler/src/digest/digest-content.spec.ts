import { type DigestContent, alertSchema } from '@certctl/contracts';
import {
  type DigestSources,
  buildDigestContent,
  digestAlert,
  digestCounts,
  digestDateFor,
  digestSubject,
  digestText,
} from './digest-content';

const now = new Date('2026-11-23T08:00:05.000Z');
const job = (id: string, name: string, over: Partial<DigestSources['items']['awaiting_approval'][number]> = {}) => ({
  id,
  type: 'renewal',
  certificate_id: `cert-${name}`,
  certificate_name: name,
  at: '2026-11-23T02:00:00.000Z',
  last_error: null,
  requested_by: 'scheduler',
  ...over,
});
const sources = (over: Partial<DigestSources> = {}): DigestSources => ({
  date: '2026-11-23',
  now,
  stats: {
    certificates: { total: 40, by_status: { active: 38, expiring: 2 } },
    expiring: { within_7_days: 2, within_30_days: 5 },
    jobs: { by_status: { completed: 30, awaiting_approval: 1, failed: 3 } },
    agents: { online: 4, offline: 1, retired: 0 },
  },
  items: {
    expiring: [
      { id: 'cert-a', name: 'api.example.com', status: 'expiring', expires_at: '2026-11-25T10:00:00.000Z' },
      { id: 'cert-b', name: 'www.example.com', status: 'active', expires_at: '2026-11-28T10:00:00.000Z' },
    ],
    failed_jobs: { count: 2, items: [job('job-f1', 'mail.example.com', { last_error: 'CA unreachable' })] },
    awaiting_approval: [job('job-a1', 'pay.example.com', { requested_by: 'alice' })],
    agents_offline: [{ id: 'agt-1', name: 'edge-1', last_heartbeat_at: '2026-11-22T23:00:00.000Z' }],
  },
  dead: {
    count: 1,
    items: [
      {
        id: 'ntf-1',
        event: 'certificate.expiring',
        certificate_id: 'cert-a',
        channel: 'webhook',
        channel_id: 'nch-1',
        recipient: 'hook',
        subject: 'api.example.com expires in 2 days',
        message: '…',
        severity: 'warning',
        status: 'dead',
        retry_count: 5,
        next_retry_at: null,
        last_error: 'http://hook answered 500',
        delivered_attempt: null,
        sent_at: null,
        created_at: '2026-11-22T10:00:00.000Z',
      },
    ],
  },
  ...over,
});

describe('digestDateFor (the once-per-day key)', () => {
  it('ok/at and after the configured hour (UTC) the key is that UTC day', () => {
    expect(digestDateFor(new Date('2026-11-23T08:00:00.000Z'), 8)).toBe('2026-11-23');
    expect(digestDateFor(new Date('2026-11-23T23:59:59.999Z'), 8)).toBe('2026-11-23');
    expect(digestDateFor(new Date('2026-11-24T00:00:00.000Z'), 0)).toBe('2026-11-24');
  });

  it('ok/every run of one day gets the same key, and the same dedupe key; the next day a new one', () => {
    const a = digestAlert(buildDigestContent(sources({ date: digestDateFor(new Date('2026-11-23T08:01:00Z'), 8)! })));
    const b = digestAlert(buildDigestContent(sources({ date: digestDateFor(new Date('2026-11-23T17:30:00Z'), 8)! })));
    const c = digestAlert(buildDigestContent(sources({ date: digestDateFor(new Date('2026-11-24T08:00:00Z'), 8)! })));
    expect(a.dedupe_key).toBe('digest:2026-11-23');
    expect(b.dedupe_key).toBe(a.dedupe_key);
    expect(c.dedupe_key).toBe('digest:2026-11-24');
  });

  it('fail/before the hour nothing is due (a restart at 03:00 does not send early)', () => {
    expect(digestDateFor(new Date('2026-11-23T07:59:59.999Z'), 8)).toBeNull();
    expect(digestDateFor(new Date('2026-11-23T00:00:00.000Z'), 1)).toBeNull();
  });
});

describe('buildDigestContent', () => {
  it('ok/counts come from the owning services, lists are the first items', () => {
    const c = buildDigestContent(sources());
    expect(digestCounts(c)).toEqual({
      expiring_7_days: 2,
      expiring_30_days: 5,
      failed_jobs: 2,
      awaiting_approval: 1,
      notifications_dead: 1,
      agents_offline: 1,
    });
    expect(c.failed_jobs.since).toBe('2026-11-22T08:00:05.000Z');
    expect(c.notifications_dead.items).toEqual([
      {
        id: 'ntf-1',
        event: 'certificate.expiring',
        channel: 'webhook',
        subject: 'api.example.com expires in 2 days',
        last_error: 'http://hook answered 500',
      },
    ]);
    expect(c.expiring.items.map((x) => x.name)).toEqual(['api.example.com', 'www.example.com']);
  });

  it('ok/a missing status in the summary counts as zero', () => {
    const s = sources();
    const c = buildDigestContent({ ...s, stats: { ...s.stats, jobs: { by_status: {} } } });
    expect(c.awaiting_approval.count).toBe(0);
  });
});

describe('digest text and alert', () => {
  it('ok/the text names each section with its count and lists the items with names and dates', () => {
    const text = digestText(buildDigestContent(sources()));
    expect(text).toContain('Certificates expiring: 2 within 7 days, 5 within 30 days');
    expect(text).toContain('  - api.example.com expires 2026-11-25T10:00:00.000Z (expiring, cert-a)');
    expect(text).toContain('  … and 3 more');
    expect(text).toContain('Failed jobs since 2026-11-22T08:00:05.000Z: 2');
    expect(text).toContain('renewal of mail.example.com (job job-f1) failed at 2026-11-23T02:00:00.000Z: CA unreachable');
    expect(text).toContain('Jobs awaiting approval: 1');
    expect(text).toContain('requested by alice at');
    expect(text).toContain('Dead notifications: 1');
    expect(text).toContain('ntf-1 (webhook, certificate.expiring)');
    expect(text).toContain('Agents offline: 1');
    expect(text).toContain('edge-1 (agt-1), last heartbeat 2026-11-22T23:00:00.000Z');
  });

  it('ok/the alert is a valid `digest` alert carrying the structured content for webhooks', () => {
    const c = buildDigestContent(sources());
    const alert = alertSchema.parse(digestAlert(c));
    expect(alert).toMatchObject({ event: 'digest', severity: 'info', dedupe_key: 'digest:2026-11-23' });
    expect(alert.data).toEqual(c);
    expect(alert.subject).toBe(
      'certctl digest 2026-11-23: 5 expiring within 30 days (2 within 7), 2 failed jobs, 1 job awaiting approval, 1 dead notification, 1 agent offline',
    );
  });

  it('ok/an empty day says so', () => {
    const empty: DigestContent = {
      date: '2026-11-23',
      generated_at: now.toISOString(),
      expiring: { within_7_days: 0, within_30_days: 0, items: [] },
      failed_jobs: { since: now.toISOString(), count: 0, items: [] },
      awaiting_approval: { count: 0, items: [] },
      notifications_dead: { count: 0, items: [] },
      agents_offline: { count: 0, items: [] },
    };
    expect(digestSubject(empty)).toBe('certctl digest 2026-11-23: nothing needs attention');
    expect(digestText(empty)).not.toContain('  - ');
  });

  it('fail/huge errors and many items never exceed the alert message limit', () => {
    const long = 'x'.repeat(5000);
    const many = Array.from({ length: 25 }, (_, i) => job(`job-${i}`, `n${i}`, { last_error: long }));
    const s = sources();
    const c = buildDigestContent({
      ...s,
      items: { ...s.items, failed_jobs: { count: 25, items: many }, awaiting_approval: many },
    });
    const alert = digestAlert(c);
    expect(alert.message.length).toBeLessThanOrEqual(10000);
    expect(() => alertSchema.parse(alert)).not.toThrow();
    expect(alert.message.split('\n').every((l) => l.length <= 310)).toBe(true);
  });
});
