import { gatewayUrl, readState } from './e2e-env';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A request to the gateway with the admin key unless `key` says otherwise (null: no key). */
export async function api<T = any>(
  method: string,
  path: string,
  o: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const state = readState();
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  const key = o.key === undefined ? state.adminKey : o.key;
  if (key) headers.authorization = `Bearer ${key}`;
  let payload: string | undefined = o.raw;
  if (o.body !== undefined) payload = JSON.stringify(o.body);
  if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(`${gatewayUrl(state)}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(30000) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body, text };
}

export const validCertificate = (name: string) => ({
  name,
  common_name: `${name}.example.com`,
  sans: [`www.${name}.example.com`, '10.0.0.7'],
  issuer_id: 'iss-local',
  owner_id: 'o-alice',
  team_id: 't-platform',
  renewal_policy_id: 'rp-standard',
});

import { waitFor, within } from '@certctl/testing';

export { waitFor, within };

type AuditRow = { actor: string; status: number; details: Record<string, unknown> };

/**
 * The audit rows of one action on one resource, once the gateway has written them (it writes in
 * batches after the response): the first answer with any row, or the first that `complete` accepts.
 */
export function auditRows(
  action: string,
  resourceId: string,
  timeoutMs = 15000,
  complete: (rows: AuditRow[]) => boolean = (r) => r.length > 0,
) {
  return waitFor(
    async () => {
      const rows = ((await api('GET', `/api/v1/audit?action=${action}&resource_id=${resourceId}`)).body.data ?? []) as AuditRow[];
      return complete(rows) ? rows : undefined;
    },
    timeoutMs,
    `the audit row of ${action} on ${resourceId}`,
  );
}

/** A typed RFC 9457 problem with the given status, carrying the request id and no stack trace. */
export function expectProblem(r: Pick<HttpResult, 'status' | 'headers' | 'body'>, status: number): void {
  expect({ status: r.status, type: r.headers.get('content-type') }).toEqual({
    status,
    type: expect.stringContaining('application/problem+json'),
  });
  expect(r.body).toMatchObject({
    status,
    type: expect.stringMatching(/^urn:certctl:error:/),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(r.body.request_id).toBe(r.headers.get('x-request-id'));
  expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack traces
}

/** Whether the process `pid` is gone within `ms`. */
export async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** `fn` over `items`, `limit` at a time, the results in the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}
