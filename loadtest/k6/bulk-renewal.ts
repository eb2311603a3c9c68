// Bulk renewal: one POST /api/v1/certificates/bulk-renew for the fixture certificates
// (loadtest/seed-certificates.mjs 10000), then waits until no renewal job is pending or
// running; reports the time to drain as bulk_renewal_drain_seconds.
//   node loadtest/seed-certificates.mjs 10000 && k6 run -e K6_API_KEY=… loadtest/k6/bulk-renewal.ts
// K6_BULK_COUNT (default 10000), K6_BULK_DRAIN_SECONDS (threshold, default 600).
import { check, sleep } from 'k6';
import { Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { num, requireKey, send } from './lib/env.ts';
import { api } from './lib/requests.ts';

const drain = new Trend('bulk_renewal_drain_seconds');
const COUNT = num('K6_BULK_COUNT', 10000);

export const options: Options = {
  scenarios: { bulk: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: `${num('K6_BULK_DRAIN_SECONDS', 600) + 120}s` } },
  thresholds: {
    bulk_renewal_drain_seconds: [`max<${num('K6_BULK_DRAIN_SECONDS', 600)}`],
    'http_req_duration{route:/api/v1/certificates/bulk-renew}': ['max<30000'],
    checks: ['rate==1'],
  },
};

export function setup(): { ids: string[] } {
  requireKey();
  const ids: string[] = [];
  let cursor: string | undefined;
  while (ids.length < COUNT) {
    const res = send(api.certificateList({ limit: 100, status: 'active', issuer_id: 'iss-local', cursor }));
    const page = res.json() as { data: { id: string }[]; next_cursor?: string | null };
    ids.push(...page.data.map((c) => c.id));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return { ids: ids.slice(0, COUNT) };
}

export default function (data: { ids: string[] }): void {
  const started = Date.now();
  const res = send(api.bulkRenew(data.ids));
  check(res, { 'bulk-renew: 202': (r) => r.status === 202 || r.status === 200 });
  const open = () => ['pending', 'running'].some((s) => ((send(api.jobList(s)).json('data') as unknown[] | undefined)?.length ?? 0) > 0);
  while (open()) sleep(2);
  drain.add((Date.now() - started) / 1000);
}
