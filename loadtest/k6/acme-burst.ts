// ACME burst: many clients at once on the directory and on new-account, counting the 429s
// the rate limits answer (certctl_acme_rate_limited_total on the server side). The original's
// figure: directory p95 < 500 ms at 200 VUs.
//   k6 run -e K6_BASE_URL=… loadtest/k6/acme-burst.ts
// K6_BURST_VUS (default 200), K6_DURATION, K6_ACME_DIRECTORY_P95_MS (default 500),
// K6_ACME_PROFILE_ID (default: the default directory), K6_MAX_429_RATE (default 1: no bound).
import { check } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import type { Options } from 'k6/options';
import { AcmeClient, directory } from './lib/acme.ts';
import { DURATION, env, num } from './lib/env.ts';
import { acme } from './lib/requests.ts';

const limited = new Counter('acme_rate_limited_429');
const limitedRate = new Rate('acme_rate_limited_rate');

export const options: Options = {
  scenarios: {
    burst: { executor: 'constant-vus', vus: num('K6_BURST_VUS', 200), duration: DURATION },
  },
  thresholds: {
    'http_req_duration{acme:directory}': [`p(95)<${num('K6_ACME_DIRECTORY_P95_MS', 500)}`],
    acme_rate_limited_rate: [`rate<=${num('K6_MAX_429_RATE', 1)}`],
    // Only 429s are expected failures: anything else (5xx, 400) fails the check.
    checks: ['rate>0.99'],
  },
};

const profile = env('K6_ACME_PROFILE_ID', '') || undefined;

export default async function (): Promise<void> {
  const { res, dir } = directory(profile);
  check(res, { 'directory: 200': (r) => r.status === 200 });
  if (!dir) return;
  const c = new AcmeClient(dir);
  await c.init();
  check(c.newNonce(), { 'new-nonce: 200': (r) => r.status === 200 });
  const acct = await c.post(dir.newAccount, acme.newAccount(), 'new-account', true);
  const was429 = acct.status === 429;
  limited.add(was429 ? 1 : 0);
  limitedRate.add(was429);
  check(acct, {
    'new-account: created, or 429 with Retry-After': (r) =>
      r.status === 201 || r.status === 200 || r.status === 403 || (r.status === 429 && r.headers['Retry-After'] !== undefined),
  });
}
