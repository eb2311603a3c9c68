import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../../api/use-api';
import { useSession } from '../../auth/session';
import { Loadable, Problem } from '../../components/problem';
import { formatDate } from '../../components/status';
import { TableShell } from '../../components/table-shell';
import { AuditFilterForm, type AuditFilters, NO_AUDIT_FILTERS, auditQuery } from './audit-filters';
import { useCursors } from './cursor';
import { downloadFile } from './download';

/** The audit trail: newest first, filtered by the server, paged by cursor, exported as CSV by the server. */
export function AuditPage() {
  const api = useApi();
  const { apiKey } = useSession();
  const [filters, setFilters] = useState<AuditFilters>(NO_AUDIT_FILTERS);
  const { cursor, reset, pager } = useCursors();
  const page = useQuery({
    queryKey: ['audit', filters, cursor],
    queryFn: () => api.call('get', '/api/v1/audit', { query: { ...auditQuery(filters), limit: 50, cursor } }),
    placeholderData: keepPreviousData,
  });
  const exportCsv = useMutation({
    mutationFn: () => downloadFile(apiKey, '/api/v1/audit/export', auditQuery(filters), 'certctl-audit.csv'),
  });
  return (
    <section>
      <div className="page-head">
        <h1>Audit trail</h1>
        <button type="button" onClick={() => exportCsv.mutate()} disabled={exportCsv.isPending}>
          Download CSV
        </button>
      </div>
      <p className="muted">
        Every change and every refused request, with who did it. The CSV holds every event matching the filters (not only this page).
      </p>
      <AuditFilterForm
        onApply={(next) => {
          setFilters(next);
          reset();
        }}
      />
      {exportCsv.error && <Problem error={exportCsv.error} />}
      {exportCsv.isSuccess && <p role="status">CSV downloaded ({exportCsv.data} bytes).</p>}
      <Loadable query={page}>
        {(data) => (
          <>
            {data.data.length === 0 ? (
              <p className="muted">No audit events match.</p>
            ) : (
              <TableShell headers={['Time', 'Actor', 'Role', 'Action', 'Resource', 'Status', 'Request']}>
                {data.data.map((row) => (
                  <tr key={row.id} data-id={row.id}>
                    <td>{formatDate(row.occurred_at)}</td>
                    <td>{row.actor}</td>
                    <td>{row.role ?? '—'}</td>
                    <td className="mono">{row.action}</td>
                    <td className="mono">{row.resource_type ? `${row.resource_type} ${row.resource_id ?? ''}` : '—'}</td>
                    <td>{row.status ?? '—'}</td>
                    <td className="detail mono">{row.method ? `${row.method} ${row.path ?? ''}` : ''}</td>
                  </tr>
                ))}
              </TableShell>
            )}
            {pager(data.next_cursor)}
          </>
        )}
      </Loadable>
    </section>
  );
}
