import { randomBytes } from 'node:crypto';

/** Application ids: <prefix>-<time-ordered base36><random>, sortable by creation. */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, '0');
  return `${prefix}-${time}${randomBytes(8).toString('hex')}`;
}
