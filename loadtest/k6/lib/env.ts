// Options of every k6 script, from environment variables (k6 run -e NAME=value or the
// process environment): where the platform is, which key, how hard to push.
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import type { ApiRequest } from './requests.ts';

export const env = (name: string, fallback: string): string => __ENV[name] ?? fallback;
export const num = (name: string, fallback: number): number => {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number (got ${raw})`);
  return n;
};

/** The gateway's base URL (K6_BASE_URL) and an API key (K6_API_KEY) with the permissions the script needs. */
export const BASE_URL = env('K6_BASE_URL', 'http://127.0.0.1:8080').replace(/\/$/, '');
export const API_KEY = env('K6_API_KEY', '');
/** Test length of each scenario (K6_DURATION, a k6 duration such as 60s or 5m). */
export const DURATION = env('K6_DURATION', '60s');

export function requireKey(): void {
  if (!API_KEY) throw new Error('set K6_API_KEY to an API key of the platform (the admin key of a test deployment)');
}

/** Sends one catalogue request, with the API key unless it is public. */
export function send(r: ApiRequest, key: string = API_KEY, tags: Record<string, string> = {}): RefinedResponse<ResponseType | undefined> {
  const headers: Record<string, string> = {};
  if (!r.public) headers.authorization = `Bearer ${key}`;
  if (r.body !== undefined) headers['content-type'] = 'application/json';
  return http.request(r.method, `${BASE_URL}${r.path}`, r.body === undefined ? null : JSON.stringify(r.body), {
    headers,
    tags: { route: r.route, ...tags },
  });
}

/** Reads a JSON fixture file written by loadtest/seed-k6.mjs (K6_FIXTURES; open() only works in the init context). */
export function fixtures<T>(): T {
  return JSON.parse(open(env('K6_FIXTURES', '../../.local/loadtest/k6-fixtures.json'))) as T;
}

export interface Fixtures {
  base_url: string;
  acme: { profile_id: string; domain: string; csr: string; eab: { kid: string; hmac_key: string }[] };
  ocsp: { issuer_id: string; requests: string[] };
  agents: { id: string; key: string; hostname: string }[];
}
