import type { ReactNode } from 'react';

/** A scrollable table with one header row of column titles; the rows are the children. */
export function TableShell({ headers, children }: { headers: (string | false)[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {headers.filter(Boolean).map((header) => (
              <th key={header as string} scope="col">
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
