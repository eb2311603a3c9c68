// API tier: create, list and get certificates at fixed arrival rates (open model), like the
// original's issuance_acceptance and list_certificates scenarios.
//   k6 run -e K6_BASE_URL=https://certctl.example.com -e K6_API_KEY=… loadtest/k6/api-tier.ts
// K6_CREATE_RATE, K6_LIST_RATE, K6_GET_RATE: requests per second (default 50, 50, 50);
// K6_DURATION; K6_P99_MS: the p99 threshold of each (default 5000).
import { check } from 'k6';
import type { Options } from 'k6/options';
import { DURATION, num, requireKey, send } from './lib/env.ts';
import { api } from './lib/requests.ts';

const rate = (name: string, fallback: number) => ({
  executor: 'constant-arrival-rate' as const,
  rate: num(name, fallback),
  timeUnit: '1s',
  duration: DURATION,
  preAllocatedVUs: Math.max(10, num(name, fallback)),
  maxVUs: Math.max(50, num(name, fallback) * 5),
});
const p99 = `p(99)<${num('K6_P99_MS', 5000)}`;

export const options: Options = {
  scenarios: {
    create: { ...rate('K6_CREATE_RATE', 50), exec: 'create' },
    list: { ...rate('K6_LIST_RATE', 50), exec: 'list' },
    get: { ...rate('K6_GET_RATE', 50), exec: 'get' },
  },
  thresholds: {
    'http_req_duration{scenario:create}': [p99],
    'http_req_duration{scenario:list}': [p99],
    'http_req_duration{scenario:get}': [p99],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export function setup(): { ids: string[] } {
  requireKey();
  const res = send(api.certificateList({ limit: 100 }));
  const ids = (res.json('data') as { id: string }[] | undefined)?.map((c) => c.id) ?? [];
  if (!ids.length) send(api.certificateCreate(`k6-seed-${Date.now()}`));
  return { ids };
}

export function create(): void {
  const res = send(api.certificateCreate(`k6-${__VU}-${__ITER}-${Date.now().toString(36)}`));
  check(res, { 'create: 201': (r) => r.status === 201 });
}

export function list(): void {
  check(send(api.certificateList({ limit: 50 })), { 'list: 200': (r) => r.status === 200 });
}

export function get(data: { ids: string[] }): void {
  if (!data.ids.length) return;
  const id = data.ids[Math.floor(Math.random() * data.ids.length)]!;
  check(send(api.certificateGet(id)), { 'get: 200': (r) => r.status === 200 });
}
