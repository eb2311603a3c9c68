import { useMemo } from 'react';
import { useSession } from '../auth/session';
import { type Method, type RequestOptions, type ResponseOf, request } from './client';
import type { paths } from './schema';

export interface Api {
  call<P extends keyof paths, M extends Method>(method: M, path: P, options?: RequestOptions<P, M>): Promise<ResponseOf<P, M>>;
}

/** The typed API client bound to the signed-in key. */
export function useApi(): Api {
  const { apiKey } = useSession();
  return useMemo<Api>(() => ({ call: (method, path, options) => request(apiKey, method, path, options) }), [apiKey]);
}

/** Pages through a cursor list until `keep` says stop or `maxPages` is reached (charts over recent rows). */
export async function collectPages<T extends { next_cursor: string | null; data: unknown[] }>(
  fetchPage: (cursor: string | undefined) => Promise<T>,
  keep: (row: T['data'][number]) => boolean,
  maxPages: number,
): Promise<{ rows: T['data']; complete: boolean }> {
  const rows: T['data'] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await fetchPage(cursor);
    const kept = result.data.filter(keep);
    rows.push(...kept);
    if (!result.next_cursor || kept.length < result.data.length) return { rows, complete: true };
    cursor = result.next_cursor;
  }
  return { rows, complete: false };
}
