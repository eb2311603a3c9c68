import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../api/use-api';
import { useSession } from '../auth/session';
import { Problem } from '../components/problem';
import { useLocation } from '../router';
import { BulkActions } from './bulk-actions';
import { CertificateFilterBar, type CertificateFilters, filtersFrom, listQuery } from './certificate-filters';
import { CertificateTable, ColumnChooser, useStoredColumns } from './certificate-table';

const PAGE_SIZE = 50;

/** Certificates: the cursor list with filters, sorting, column choice and (for writers) bulk actions. */
export function CertificatesPage() {
  const api = useApi();
  const { can } = useSession();
  const { search } = useLocation();
  const [filters, setFilters] = useState<CertificateFilters>(() => filtersFrom(search));
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [columns, setColumns] = useStoredColumns();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const cursor = cursors[cursors.length - 1];
  const page = useQuery({
    queryKey: ['certificates', filters, cursor],
    queryFn: () => api.call('get', '/api/v1/certificates', { query: { ...listQuery(filters, Date.now()), limit: PAGE_SIZE, cursor } }),
    placeholderData: keepPreviousData,
  });
  const changeFilters = (next: CertificateFilters) => {
    setFilters(next);
    setCursors([undefined]);
  };
  const rows = page.data?.data ?? [];
  const selectable = can('certificates:write') || can('certificates:bulk_revoke');
  return (
    <section aria-busy={page.isFetching}>
      <div className="page-head">
        <h1>Certificates</h1>
        <ColumnChooser shown={columns} onChange={setColumns} />
      </div>
      <CertificateFilterBar value={filters} onChange={changeFilters} />
      {selectable && <BulkActions ids={[...selected]} onClear={() => setSelected(new Set())} />}
      {page.error ? (
        <Problem error={page.error} />
      ) : page.isPending ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <CertificateTable rows={rows} columns={columns} selected={selected} onSelect={setSelected} selectable={selectable} />
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <span>
              Page {cursors.length} · {rows.length} shown
            </span>
            <button type="button" disabled={!page.data?.next_cursor} onClick={() => setCursors([...cursors, page.data!.next_cursor!])}>
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
