import { useQuery } from '@tanstack/react-query';
import { collectPages, useApi } from '../api/use-api';
import { BarChart } from '../components/bar-chart';
import { Loadable } from '../components/problem';
import { StatusBadge } from '../components/status';
import { Link } from '../router';
import { expiryByWeek, jobOutcomesByDay } from './overview-data';

const DAY_MS = 86_400_000;
const MAX_PAGES = 10;

/** Overview: counts by status, the 90-day expiry timeline, 30 days of job outcomes, dead notifications, agents offline. */
export function OverviewPage() {
  const api = useApi();
  const summary = useQuery({ queryKey: ['stats-summary'], queryFn: () => api.call('get', '/api/v1/stats/summary') });
  const expiring = useQuery({
    queryKey: ['overview-expiry'],
    queryFn: () => {
      const until = new Date(Date.now() + 90 * DAY_MS).toISOString();
      return collectPages(
        (cursor) => api.call('get', '/api/v1/certificates', { query: { limit: 500, sort: 'expires_at', expires_before: until, cursor } }),
        () => true,
        MAX_PAGES,
      );
    },
  });
  const jobs = useQuery({
    queryKey: ['overview-jobs'],
    queryFn: () => {
      const since = Date.now() - 30 * DAY_MS;
      return collectPages(
        (cursor) => api.call('get', '/api/v1/jobs', { query: { limit: 500, cursor } }),
        (job) => new Date(job.created_at).getTime() >= since,
        MAX_PAGES,
      );
    },
  });
  return (
    <section>
      <h1>Overview</h1>
      <Loadable query={summary}>
        {(data) => (
          <div className="tiles">
            <Tile label="Certificates" value={data.certificates.total} />
            <Tile
              label="Expiring within 7 days"
              value={data.expiring.within_7_days}
              tone={data.expiring.within_7_days ? 'warn' : undefined}
            />
            <Tile label="Expiring within 30 days" value={data.expiring.within_30_days} />
            <Tile label="Agents offline" value={data.agents.offline} tone={data.agents.offline ? 'bad' : undefined} />
            <Tile
              label="Dead notifications"
              value={data.notifications?.dead ?? '—'}
              tone={data.notifications?.dead ? 'bad' : undefined}
              href="/notifications?tab=dead"
            />
            <Tile label="Jobs awaiting approval" value={data.jobs.by_status.awaiting_approval ?? 0} href="/jobs" />
          </div>
        )}
      </Loadable>
      <div className="grid-2">
        <article className="card">
          <h2>Certificates by status</h2>
          <Loadable query={summary}>
            {(data) => (
              <ul className="counts">
                {Object.entries(data.certificates.by_status).map(([status, count]) => (
                  <li key={status}>
                    <Link href={`/certificates?status=${status}`}>
                      <StatusBadge status={status} />
                    </Link>
                    <span>{count}</span>
                  </li>
                ))}
              </ul>
            )}
          </Loadable>
        </article>
        <article className="card">
          <h2>Expiring in the next 90 days, by week</h2>
          <Loadable query={expiring}>
            {(data) => (
              <>
                <BarChart
                  bars={expiryByWeek(
                    data.rows.map((row) => row.not_after),
                    new Date(),
                  )}
                  series={[{ name: 'expiring', className: 'warn' }]}
                  title="Certificates expiring per week"
                />
                {!data.complete && <p className="muted">Counted over the first {MAX_PAGES * 500} certificates.</p>}
              </>
            )}
          </Loadable>
        </article>
        <article className="card wide">
          <h2>Jobs over the last 30 days</h2>
          <Loadable query={jobs}>
            {(data) => (
              <BarChart
                bars={jobOutcomesByDay(data.rows, new Date())}
                series={[
                  { name: 'succeeded', className: 'ok' },
                  { name: 'failed', className: 'bad' },
                ]}
                title="Jobs succeeded and failed per day"
                every={5}
              />
            )}
          </Loadable>
        </article>
      </div>
    </section>
  );
}

function Tile({ label, value, tone, href }: { label: string; value: number | string; tone?: 'warn' | 'bad'; href?: string }) {
  const body = (
    <>
      <span className="tile-value">{value}</span>
      <span className="tile-label">{label}</span>
    </>
  );
  return <div className={`tile ${tone ?? ''}`}>{href ? <Link href={href}>{body}</Link> : body}</div>;
}
