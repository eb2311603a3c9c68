import type { Alert, DigestContent, DigestRpc, LifecycleRpc, NotificationDto, RpcResponse } from '@certctl/contracts';

const DAY_MS = 86400000;
/** The alert's message is at most 10,000 characters (contracts); the digest stays under it. */
const MAX_MESSAGE = 10000;
const MAX_LINE = 300;

/**
 * The UTC day whose digest is due at `now`, or null before the configured hour. This date
 * is the once-per-day key: the `scheduler_digests` row and the notification dedupe key.
 */
export function digestDateFor(now: Date, hourUtc: number): string | null {
  if (now.getUTCHours() < hourUtc) return null;
  return now.toISOString().slice(0, 10);
}

/** Failed jobs are counted from here: the 24 hours before the digest. */
export function failedSince(now: Date): Date {
  return new Date(now.getTime() - DAY_MS);
}

export interface DigestSources {
  date: string;
  now: Date;
  /** Inventory's `stats.summary`: the counts of expiring certificates, jobs awaiting approval, agents offline. */
  stats: RpcResponse<typeof LifecycleRpc.statsSummary>;
  /** Inventory's `digest.items`: the first items of each list, and the failed-job count. */
  items: RpcResponse<typeof DigestRpc.items>;
  /** The notifications service's dead count (`notification.counts`) and first dead rows (`notification.list`). */
  dead: { count: number; items: NotificationDto[] };
}

/** What the digest says, from the owning services' answers (each count is complete; lists are the first items). */
export function buildDigestContent(s: DigestSources): DigestContent {
  return {
    date: s.date,
    generated_at: s.now.toISOString(),
    expiring: {
      within_7_days: s.stats.expiring.within_7_days,
      within_30_days: s.stats.expiring.within_30_days,
      items: s.items.expiring,
    },
    failed_jobs: { since: failedSince(s.now).toISOString(), count: s.items.failed_jobs.count, items: s.items.failed_jobs.items },
    awaiting_approval: { count: s.stats.jobs.by_status.awaiting_approval ?? 0, items: s.items.awaiting_approval },
    notifications_dead: {
      count: s.dead.count,
      items: s.dead.items.map((n) => ({ id: n.id, event: n.event, channel: n.channel, subject: n.subject, last_error: n.last_error })),
    },
    agents_offline: { count: s.stats.agents.offline, items: s.items.agents_offline },
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The one-line summary used as the subject. */
export function digestSubject(c: DigestContent): string {
  const parts = [
    c.expiring.within_30_days ? `${c.expiring.within_30_days} expiring within 30 days (${c.expiring.within_7_days} within 7)` : '',
    c.failed_jobs.count ? plural(c.failed_jobs.count, 'failed job') : '',
    c.awaiting_approval.count ? `${plural(c.awaiting_approval.count, 'job')} awaiting approval` : '',
    c.notifications_dead.count ? plural(c.notifications_dead.count, 'dead notification') : '',
    c.agents_offline.count ? `${plural(c.agents_offline.count, 'agent')} offline` : '',
  ].filter(Boolean);
  return `certctl digest ${c.date}: ${parts.length ? parts.join(', ') : 'nothing needs attention'}`;
}

const line = (s: string) => `  - ${s.length > MAX_LINE ? `${s.slice(0, MAX_LINE - 1)}…` : s}`;
const more = (count: number, shown: number) => (count > shown ? [`  … and ${count - shown} more`] : []);
const jobLine = (j: DigestContent['failed_jobs']['items'][number], what: string) =>
  `${j.type} of ${j.certificate_name} (job ${j.id}) ${what} ${j.at}${j.last_error ? `: ${j.last_error}` : ''}`;

/** The plain-text body: every section with its count and its first items. */
export function digestText(c: DigestContent): string {
  const out = [
    `What needs attention in certctl on ${c.date} (generated ${c.generated_at}).`,
    '',
    `Certificates expiring: ${c.expiring.within_7_days} within 7 days, ${c.expiring.within_30_days} within 30 days`,
    ...c.expiring.items.map((x) => line(`${x.name} expires ${x.expires_at} (${x.status}, ${x.id})`)),
    ...more(c.expiring.within_30_days, c.expiring.items.length),
    '',
    `Failed jobs since ${c.failed_jobs.since}: ${c.failed_jobs.count}`,
    ...c.failed_jobs.items.map((j) => line(jobLine(j, 'failed at'))),
    ...more(c.failed_jobs.count, c.failed_jobs.items.length),
    '',
    `Jobs awaiting approval: ${c.awaiting_approval.count}`,
    ...c.awaiting_approval.items.map((j) => line(`${jobLine(j, 'requested by ' + j.requested_by + ' at')}`)),
    ...more(c.awaiting_approval.count, c.awaiting_approval.items.length),
    '',
    `Dead notifications: ${c.notifications_dead.count}`,
    ...c.notifications_dead.items.map((n) =>
      line(`${n.id} (${n.channel}, ${n.event}) "${n.subject}"${n.last_error ? `: ${n.last_error}` : ''}`),
    ),
    ...more(c.notifications_dead.count, c.notifications_dead.items.length),
    '',
    `Agents offline: ${c.agents_offline.count}`,
    ...c.agents_offline.items.map((a) => line(`${a.name} (${a.id}), last heartbeat ${a.last_heartbeat_at ?? 'never'}`)),
    ...more(c.agents_offline.count, c.agents_offline.items.length),
  ].join('\n');
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE - 1)}…` : out;
}

/** The digest as one alert: event `digest`, routed by rules like any other, once per day and channel. */
export function digestAlert(c: DigestContent): Alert {
  return {
    event: 'digest',
    severity: 'info',
    subject: digestSubject(c),
    message: digestText(c),
    dedupe_key: `digest:${c.date}`,
    data: c,
  };
}

/** The counts, recorded on the day's scheduler_digests row. */
export function digestCounts(c: DigestContent): Record<string, number> {
  return {
    expiring_7_days: c.expiring.within_7_days,
    expiring_30_days: c.expiring.within_30_days,
    failed_jobs: c.failed_jobs.count,
    awaiting_approval: c.awaiting_approval.count,
    notifications_dead: c.notifications_dead.count,
    agents_offline: c.agents_offline.count,
  };
}
