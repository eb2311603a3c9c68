import { stringify as toYaml } from 'yaml';

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

/** A column of a table: its header and the field (dotted path) of each row it shows. */
export interface Column {
  header: string;
  field: string;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.map(cell).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s+/g, ' ');
}

function pick(row: unknown, field: string): unknown {
  return field
    .split('.')
    .reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), row);
}

/** Rows under headers, each column as wide as its widest cell, separated by two spaces. */
export function renderTable(rows: unknown[], columns: Column[]): string {
  const cells = rows.map((row) => columns.map((column) => cell(pick(row, column.field))));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => line[index].length)));
  const line = (values: string[]) =>
    values
      .map((value, index) => (index === values.length - 1 ? value : value.padEnd(widths[index])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join('\n') + '\n';
}

/** One object as `field  value` lines (the table view of a single resource). */
export function renderRecord(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  const width = Math.max(0, ...keys.map((key) => key.length));
  return keys.map((key) => `${key.padEnd(width)}  ${cell(record[key])}`.trimEnd()).join('\n') + '\n';
}

/** The document for scripts: the API's own field names, one document per command. */
export function renderDocument(doc: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(doc ?? null, null, 2) + '\n' : toYaml(doc ?? null);
}
