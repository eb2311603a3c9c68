// OCSP: RFC 6960 GET requests for fixture certificates (built by loadtest/seed-k6.mjs), without
// an API key, at a fixed rate; through the gateway or straight at the revocation service
// (K6_BASE_URL). K6_OCSP_RATE (default 500/s), K6_DURATION, K6_OCSP_P99_MS (default 250).
import { check } from 'k6';
import type { Options } from 'k6/options';
import { DURATION, type Fixtures, fixtures, num, send } from './lib/env.ts';
import { api } from './lib/requests.ts';

const data = fixtures<Fixtures>();

export const options: Options = {
  scenarios: {
    ocsp: {
      executor: 'constant-arrival-rate',
      rate: num('K6_OCSP_RATE', 500),
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: 50,
      maxVUs: 500,
    },
  },
  thresholds: {
    http_req_duration: [`p(99)<${num('K6_OCSP_P99_MS', 250)}`],
    http_req_failed: ['rate<0.001'],
    checks: ['rate>0.999'],
  },
};

export default function (): void {
  const req = data.ocsp.requests[Math.floor(Math.random() * data.ocsp.requests.length)]!;
  const res = send(api.ocspGet(data.ocsp.issuer_id, req));
  check(res, {
    'ocsp: 200 application/ocsp-response': (r) =>
      r.status === 200 && String(r.headers['Content-Type']).startsWith('application/ocsp-response'),
  });
}
