import { Readable } from 'node:stream';

/** The columns of the CSV export, in order: the fields of an audit event, details as JSON. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'occurred_at',
  'actor',
  'role',
  'action',
  'method',
  'path',
  'resource_type',
  'resource_id',
  'status',
  'latency_ms',
  'request_id',
  'source_ip',
  'body_sha256',
  'details',
] as const;

export type AuditCsvRow = Record<(typeof AUDIT_CSV_COLUMNS)[number], unknown>;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. A text that a
 * spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets a leading
 * apostrophe, so an actor name or path cannot become a formula in the operator's spreadsheet.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (CRLF-terminated) of an audit event. */
export function csvLine(row: AuditCsvRow): string {
  return AUDIT_CSV_COLUMNS.map((column) => csvCell(row[column])).join(',') + '\r\n';
}

type CsvPage<C> = { rows: AuditCsvRow[]; next: C | undefined };

/**
 * The export as a stream: the header, the first page (fetched by the caller before the answer
 * starts, so a bad filter or an outage is still a problem+json), then every further page,
 * fetched one at a time as the client reads (a slow reader holds back the next query).
 */
export function auditCsvStream<C>(first: CsvPage<C>, fetchPage: (cursor: C) => Promise<CsvPage<C>>): Readable {
  async function* lines() {
    yield AUDIT_CSV_COLUMNS.join(',') + '\r\n';
    let page = first;
    for (;;) {
      if (page.rows.length) yield page.rows.map(csvLine).join('');
      if (page.next === undefined) return;
      page = await fetchPage(page.next);
    }
  }
  return Readable.from(lines());
}
