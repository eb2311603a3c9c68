import { AppError } from '@certctl/contracts';

const CURSOR_ID = /^[A-Za-z0-9._-]{1,128}$/;
const badCursor = () => AppError.validation([{ field: 'query.cursor', message: 'is not a cursor this API returned' }]);

/** Keyset cursor over (time, id): stable under inserts, no OFFSET scans. Opaque to clients. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [iso, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (extra !== undefined || !id || Number.isNaN(at.getTime()) || !CURSOR_ID.test(id)) throw badCursor();
  return { at, id };
}

/** Cursor naming the last row's id (for lists whose order the database resolves from that row). */
export function encodeIdCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeIdCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!CURSOR_ID.test(id)) throw badCursor();
  return id;
}

/**
 * One page of an id-ordered list read with `limit + 1` rows: the first `limit` as DTOs, and the
 * cursor of the last one when the extra row shows there is more.
 */
export function idPage<Row extends { id: string }, Dto>(rows: readonly Row[], limit: number, toDto: (row: Row) => Dto) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { data: page.map(toDto), next_cursor: rows.length > limit && last ? encodeIdCursor(last.id) : null };
}
