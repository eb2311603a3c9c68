import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import type { ResponseOf } from '../../api/client';
import { useApi } from '../../api/use-api';
import { useSession } from '../../auth/session';
import { ActionButton } from '../../components/confirm-button';
import { Loadable } from '../../components/problem';
import { StatusBadge, formatDate } from '../../components/status';
import { TableShell } from '../../components/table-shell';
import { SelectFilter, useCursors } from './cursor';

type Check = ResponseOf<'/api/v1/health-checks', 'get'>['data'][number];
const STATUSES = ['unknown', 'healthy', 'degraded', 'down', 'cert_mismatch'] as const;

/** Endpoint health: every TLS endpoint checked, its state, last check and history; "Check now" for writers. */
export function HealthChecksPage() {
  const api = useApi();
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const { cursor, resetting, pager } = useCursors();
  const summary = useQuery({ queryKey: ['health-checks', 'summary'], queryFn: () => api.call('get', '/api/v1/health-checks/summary') });
  const page = useQuery({
    queryKey: ['health-checks', status, cursor],
    queryFn: () =>
      api.call('get', '/api/v1/health-checks', {
        query: { status: (status || undefined) as (typeof STATUSES)[number] | undefined, limit: 100, cursor },
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <section>
      <h1>Endpoint health</h1>
      {summary.data && (
        <p className="muted" data-testid="health-summary">
          {summary.data.total} endpoints:{' '}
          {STATUSES.map((value) => `${summary.data.by_status[value] ?? 0} ${value.replace('_', ' ')}`).join(', ')}.
        </p>
      )}
      <div className="filters">
        <SelectFilter id="health-status" label="State" value={status} values={STATUSES} onChange={resetting(setStatus)} />
      </div>
      <Loadable query={page}>
        {(data) => (
          <>
            {data.data.length === 0 ? (
              <p className="muted">No endpoint checks (POST /api/v1/health-checks, docs/agent.md).</p>
            ) : (
              <ChecksTable rows={data.data} open={open} onToggle={(id) => setOpen(open === id ? null : id)} />
            )}
            {pager(data.next_cursor)}
          </>
        )}
      </Loadable>
    </section>
  );
}

function ChecksTable({ rows, open, onToggle }: { rows: Check[]; open: string | null; onToggle: (id: string) => void }) {
  const api = useApi();
  const { can } = useSession();
  const write = can('inventory:write');
  return (
    <TableShell
      headers={['Name', 'Endpoint', 'State', 'Failures', 'Last check', 'Served until', 'Last error', 'History', write && 'Action']}
    >
      {rows.map((check) => (
        <Fragment key={check.id}>
          <tr data-id={check.id}>
            <th scope="row">{check.name}</th>
            <td className="mono">
              {check.host}:{check.port}
              {check.sni && check.sni !== check.host ? ` (SNI ${check.sni})` : ''}
            </td>
            <td>
              <StatusBadge status={check.status} />
              {!check.enabled && <div className="muted">not scheduled (disabled)</div>}
            </td>
            <td>{check.consecutive_failures}</td>
            <td>{formatDate(check.last_checked_at)}</td>
            <td>{formatDate(check.served_not_after)}</td>
            <td className="detail">{check.last_error ?? ''}</td>
            <td>
              <button type="button" aria-expanded={open === check.id} onClick={() => onToggle(check.id)}>
                History of {check.name}
              </button>
            </td>
            {write && (
              <td>
                <ActionButton
                  label="Check now"
                  refresh={['health-checks']}
                  run={() => api.call('post', '/api/v1/health-checks/{id}/check', { params: { id: check.id } })}
                />
              </td>
            )}
          </tr>
          {open === check.id && (
            <tr>
              <td colSpan={write ? 9 : 8}>
                <History id={check.id} />
              </td>
            </tr>
          )}
        </Fragment>
      ))}
    </TableShell>
  );
}

function History({ id }: { id: string }) {
  const api = useApi();
  const history = useQuery({
    queryKey: ['health-checks', id, 'history'],
    queryFn: () => api.call('get', '/api/v1/health-checks/{id}/history', { params: { id }, query: { limit: 50 } }),
  });
  return (
    <Loadable query={history}>
      {(data) =>
        data.data.length === 0 ? (
          <p className="muted">Not checked yet.</p>
        ) : (
          <TableShell headers={['Checked', 'Result', 'Latency', 'State after', 'Error']}>
            {data.data.map((result) => (
              <tr key={result.checked_at}>
                <td>{formatDate(result.checked_at)}</td>
                <td>{result.ok ? 'ok' : 'failed'}</td>
                <td>{result.latency_ms === null ? '—' : `${result.latency_ms} ms`}</td>
                <td>
                  <StatusBadge status={result.status_after} />
                </td>
                <td className="detail">{result.error ?? ''}</td>
              </tr>
            ))}
          </TableShell>
        )
      }
    </Loadable>
  );
}
