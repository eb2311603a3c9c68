// Agent storm: a fleet of agents (default 5,000, registered by loadtest/seed-k6.mjs) each
// heartbeating and polling for work with its own key, at the fleet's aggregate rate (the
// original: 167 heartbeats per second, 5,000 agents every 30 s).
//   node loadtest/seed-k6.mjs && k6 run -e K6_BASE_URL=… loadtest/k6/agent-storm.ts
// K6_HEARTBEAT_RATE (default 167/s), K6_WORK_RATE (default 167/s), K6_DURATION, K6_P99_MS (default 5000).
import { check } from 'k6';
import type { Options } from 'k6/options';
import { DURATION, type Fixtures, fixtures, num, send } from './lib/env.ts';
import { api } from './lib/requests.ts';

const data = fixtures<Fixtures>();
const arrival = (rate: number) => ({
  executor: 'constant-arrival-rate' as const,
  rate,
  timeUnit: '1s',
  duration: DURATION,
  preAllocatedVUs: Math.max(20, Math.ceil(rate / 4)),
  maxVUs: Math.max(200, rate * 4),
});

export const options: Options = {
  scenarios: {
    heartbeat: { ...arrival(num('K6_HEARTBEAT_RATE', 167)), exec: 'heartbeat' },
    work: { ...arrival(num('K6_WORK_RATE', 167)), exec: 'work' },
  },
  thresholds: {
    'http_req_duration{scenario:heartbeat}': [`p(99)<${num('K6_P99_MS', 5000)}`],
    'http_req_duration{scenario:work}': [`p(99)<${num('K6_P99_MS', 5000)}`],
    http_req_failed: ['rate<0.01'],
  },
};

const agent = () => data.agents[Math.floor(Math.random() * data.agents.length)]!;

export function heartbeat(): void {
  const a = agent();
  check(send(api.agentHeartbeat(a.id, a.hostname), a.key), { 'heartbeat: 200': (r) => r.status === 200 });
}

export function work(): void {
  const a = agent();
  check(send(api.agentWork(a.id), a.key), { 'work: 200': (r) => r.status === 200 });
}
