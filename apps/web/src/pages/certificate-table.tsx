import { useState } from 'react';
import type { ResponseOf } from '../api/client';
import { StatusBadge, formatDate } from '../components/status';
import { Link } from '../router';

export type CertificateRow = ResponseOf<'/api/v1/certificates', 'get'>['data'][number];

export const COLUMNS = [
  { id: 'common_name', label: 'Common name', render: (row: CertificateRow) => row.common_name },
  { id: 'status', label: 'Status', render: (row: CertificateRow) => <StatusBadge status={row.status} /> },
  { id: 'not_after', label: 'Expires', render: (row: CertificateRow) => formatDate(row.not_after) },
  { id: 'issuer_id', label: 'Issuer', render: (row: CertificateRow) => row.issuer_id },
  { id: 'owner_id', label: 'Owner', render: (row: CertificateRow) => row.owner_id },
  { id: 'team_id', label: 'Team', render: (row: CertificateRow) => row.team_id },
  { id: 'profile_id', label: 'Profile', render: (row: CertificateRow) => row.profile_id ?? '—' },
  { id: 'environment', label: 'Environment', render: (row: CertificateRow) => row.environment },
] as const;
export type ColumnId = (typeof COLUMNS)[number]['id'];
export const DEFAULT_COLUMNS: ColumnId[] = ['common_name', 'status', 'not_after', 'issuer_id', 'owner_id', 'team_id'];

const COLUMNS_KEY = 'certctl.certificateColumns';

/** The columns chosen in this tab (sessionStorage: kept across reloads, gone with the tab), or the defaults. */
export function storedColumns(): ColumnId[] {
  try {
    const stored: unknown = JSON.parse(window.sessionStorage.getItem(COLUMNS_KEY) ?? 'null');
    const known = new Set<string>(COLUMNS.map((column) => column.id));
    if (Array.isArray(stored) && stored.every((id) => typeof id === 'string' && known.has(id))) return stored as ColumnId[];
  } catch {
    // unreadable: the defaults
  }
  return DEFAULT_COLUMNS;
}

/** The column choice as state that is written to the tab's sessionStorage on every change. */
export function useStoredColumns(): [ColumnId[], (next: ColumnId[]) => void] {
  const [columns, setColumns] = useState<ColumnId[]>(storedColumns);
  const change = (next: ColumnId[]) => {
    setColumns(next);
    window.sessionStorage.setItem(COLUMNS_KEY, JSON.stringify(next));
  };
  return [columns, change];
}

/** Which columns the table shows: a checkbox per column in a disclosure. */
export function ColumnChooser({ shown, onChange }: { shown: ColumnId[]; onChange: (next: ColumnId[]) => void }) {
  return (
    <details className="columns">
      <summary>Columns</summary>
      <fieldset>
        <legend>Columns shown</legend>
        {COLUMNS.map((column) => (
          <label key={column.id} className="check">
            <input
              type="checkbox"
              checked={shown.includes(column.id)}
              onChange={(event) =>
                onChange(
                  event.target.checked
                    ? COLUMNS.map((c) => c.id).filter((id) => id === column.id || shown.includes(id))
                    : shown.filter((id) => id !== column.id),
                )
              }
            />
            {column.label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}

interface TableProps {
  rows: CertificateRow[];
  columns: ColumnId[];
  selected: Set<string>;
  onSelect: (next: Set<string>) => void;
  selectable: boolean;
}

/** The certificates table: the name links to the detail page; a checkbox per row when the role may act in bulk. */
export function CertificateTable({ rows, columns, selected, onSelect, selectable }: TableProps) {
  const visible = COLUMNS.filter((column) => columns.includes(column.id));
  const allSelected = rows.length > 0 && rows.every((row) => selected.has(row.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelect(next);
  };
  const toggleAll = () => {
    const next = new Set(selected);
    for (const row of rows) {
      if (allSelected) next.delete(row.id);
      else next.add(row.id);
    }
    onSelect(next);
  };
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Certificates</caption>
        <thead>
          <tr>
            {selectable && (
              <th scope="col">
                <input type="checkbox" aria-label="Select all on this page" checked={allSelected} onChange={toggleAll} />
              </th>
            )}
            <th scope="col">Name</th>
            {visible.map((column) => (
              <th key={column.id} scope="col">
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={visible.length + 2} className="muted">
                No certificates match these filters.
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={row.id} data-id={row.id}>
              {selectable && (
                <td>
                  <input type="checkbox" aria-label={`Select ${row.name}`} checked={selected.has(row.id)} onChange={() => toggle(row.id)} />
                </td>
              )}
              <th scope="row">
                <Link href={`/certificates/${encodeURIComponent(row.id)}`}>{row.name}</Link>
              </th>
              {visible.map((column) => (
                <td key={column.id}>{column.render(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
