import { type DigestContent, digestContentSchema } from '@certctl/contracts';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

function table(title: string, count: number, head: string[], rows: string[][]): string {
  const shown = rows.length < count ? ` (first ${rows.length})` : '';
  const body = rows.length
    ? `<table border="1" cellpadding="4" cellspacing="0"><tr>${head.map((h) => `<th align="left">${esc(h)}</th>`).join('')}</tr>${rows
        .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
        .join('')}</table>`
    : '';
  return `<h3>${esc(title)}: ${count}${shown}</h3>${body}`;
}

function render(c: DigestContent): string {
  const job = (j: DigestContent['failed_jobs']['items'][number]) => [j.certificate_name, j.type, j.id, j.at, j.last_error ?? ''];
  return [
    `<html><body><h2>certctl digest ${esc(c.date)}</h2><p>Generated ${esc(c.generated_at)}.</p>`,
    `<p>Certificates expiring within 7 days: <b>${c.expiring.within_7_days}</b>; within 30 days: <b>${c.expiring.within_30_days}</b>.</p>`,
    table(
      'Certificates expiring within 30 days',
      c.expiring.within_30_days,
      ['certificate', 'expires', 'status', 'id'],
      c.expiring.items.map((x) => [x.name, x.expires_at, x.status, x.id]),
    ),
    table(
      `Failed jobs since ${c.failed_jobs.since}`,
      c.failed_jobs.count,
      ['certificate', 'type', 'job', 'failed at', 'error'],
      c.failed_jobs.items.map(job),
    ),
    table(
      'Jobs awaiting approval',
      c.awaiting_approval.count,
      ['certificate', 'type', 'job', 'requested at', 'requested by'],
      c.awaiting_approval.items.map((j) => [...job(j).slice(0, 4), j.requested_by]),
    ),
    table(
      'Dead notifications',
      c.notifications_dead.count,
      ['notification', 'channel', 'event', 'subject', 'last error'],
      c.notifications_dead.items.map((n) => [n.id, n.channel, n.event, n.subject, n.last_error ?? '']),
    ),
    table(
      'Agents offline',
      c.agents_offline.count,
      ['agent', 'id', 'last heartbeat'],
      c.agents_offline.items.map((a) => [a.name, a.id, a.last_heartbeat_at ?? 'never']),
    ),
    '</body></html>',
  ].join('\n');
}

/** The HTML part of a digest email (every value escaped), or undefined when the payload is not a digest. */
export function digestHtml(payload: unknown): string | undefined {
  const c = digestContentSchema.safeParse(payload);
  return c.success ? render(c.data) : undefined;
}
