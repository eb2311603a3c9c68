import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ResponseOf } from '../../api/client';
import { useApi } from '../../api/use-api';
import { useSession } from '../../auth/session';
import { ActionButton } from '../../components/confirm-button';
import { Loadable } from '../../components/problem';
import { StatusBadge, formatDate } from '../../components/status';
import { TableShell } from '../../components/table-shell';
import { Link } from '../../router';
import { SelectFilter, useCursors } from './cursor';

type Discovered = ResponseOf<'/api/v1/discovered-certificates', 'get'>['data'][number];
const STATUSES = ['unmanaged', 'managed', 'dismissed'] as const;

/** Certificates agents and network scans found: claim one into management, or dismiss it (docs/agent.md). */
export function DiscoveredPage() {
  const api = useApi();
  const [status, setStatus] = useState<string>('unmanaged');
  const [text, setText] = useState('');
  const { cursor, resetting, pager } = useCursors();
  const summary = useQuery({
    queryKey: ['discovered', 'summary'],
    queryFn: () => api.call('get', '/api/v1/discovered-certificates/summary'),
  });
  const page = useQuery({
    queryKey: ['discovered', status, text, cursor],
    queryFn: () =>
      api.call('get', '/api/v1/discovered-certificates', {
        query: { status: (status || undefined) as (typeof STATUSES)[number] | undefined, q: text.trim() || undefined, limit: 100, cursor },
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <section>
      <h1>Discovered certificates</h1>
      {summary.data && (
        <p className="muted" data-testid="discovered-summary">
          {summary.data.total} found: {summary.data.by_status.unmanaged} unmanaged, {summary.data.by_status.managed} managed,{' '}
          {summary.data.by_status.dismissed} dismissed; {summary.data.expiring_within_30_days} unmanaged expire within 30 days.
        </p>
      )}
      <div className="filters">
        <SelectFilter id="discovered-status" label="Status" value={status} values={STATUSES} onChange={resetting(setStatus)} />
        <div className="field grow">
          <label htmlFor="discovered-q">Search</label>
          <input id="discovered-q" value={text} onChange={(event) => resetting(setText)(event.target.value)} />
        </div>
      </div>
      <Loadable query={page}>
        {(data) => (
          <>
            {data.data.length === 0 ? <p className="muted">Nothing discovered matches.</p> : <DiscoveredTable rows={data.data} />}
            {pager(data.next_cursor)}
          </>
        )}
      </Loadable>
    </section>
  );
}

function DiscoveredTable({ rows }: { rows: Discovered[] }) {
  const api = useApi();
  const { can } = useSession();
  const write = can('certificates:write');
  return (
    <TableShell headers={['Subject', 'Where', 'Issuer', 'Expires', 'Status', 'Last seen', write && 'Actions']}>
      {rows.map((row) => (
        <tr key={row.id} data-id={row.id}>
          <th scope="row">
            {row.subject}
            <div className="muted">{row.sans.join(', ')}</div>
          </th>
          <td>
            {row.source}: {row.location}
          </td>
          <td>{row.issuer}</td>
          <td>{formatDate(row.not_after)}</td>
          <td>
            <StatusBadge status={row.status} />
            {row.managed_certificate_id && (
              <div>
                <Link href={`/certificates/${encodeURIComponent(row.managed_certificate_id)}`}>{row.managed_certificate_id}</Link>
              </div>
            )}
            {row.dismiss_reason && <div className="muted">{row.dismiss_reason}</div>}
          </td>
          <td>{formatDate(row.last_seen_at)}</td>
          {write && (
            <td>
              <div className="actions">
                {row.status !== 'managed' && (
                  <ActionButton
                    label="Claim"
                    refresh={['discovered']}
                    done="Claimed into management."
                    run={() =>
                      api.call('post', '/api/v1/discovered-certificates/{id}/claim', { params: { id: row.id }, body: { import: {} } })
                    }
                  />
                )}
                {row.status === 'unmanaged' && (
                  <ActionButton
                    label="Dismiss"
                    refresh={['discovered']}
                    run={() =>
                      api.call('post', '/api/v1/discovered-certificates/{id}/dismiss', {
                        params: { id: row.id },
                        body: { reason: 'dismissed from the dashboard' },
                      })
                    }
                  />
                )}
              </div>
            </td>
          )}
        </tr>
      ))}
    </TableShell>
  );
}
