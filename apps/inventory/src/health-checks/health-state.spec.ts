import { HEALTH_STATUSES, type HealthStatus } from '@certctl/contracts';
import { HEALTH_TRANSITIONS, type HealthState, nextHealthState } from './health-state';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const ok = (served: string) => ({ ok: true, servedFingerprint: served });
const fail = { ok: false, servedFingerprint: null };

/** Applies the probes in order from `unknown`, returning every status reached. */
function run(
  probes: { ok: boolean; servedFingerprint: string | null }[],
  expected: string[] = [],
  from: HealthState = { status: 'unknown', consecutiveFailures: 0 },
) {
  const statuses: HealthStatus[] = [];
  let state = from;
  for (const probe of probes) {
    state = nextHealthState(state, probe, expected);
    statuses.push(state.status);
  }
  return { statuses, state };
}

describe('health check state machine', () => {
  it('ok/a successful handshake is healthy, and resets the failure count', () => {
    expect(nextHealthState({ status: 'degraded', consecutiveFailures: 3 }, ok(A), [])).toEqual({
      status: 'healthy',
      consecutiveFailures: 0,
    });
    expect(nextHealthState({ status: 'unknown', consecutiveFailures: 0 }, ok(A), [A])).toEqual({
      status: 'healthy',
      consecutiveFailures: 0,
    });
  });

  it('ok/the served leaf differing from an expected fingerprint is cert_mismatch (case-insensitive compare)', () => {
    expect(nextHealthState({ status: 'healthy', consecutiveFailures: 0 }, ok(B), [A]).status).toBe('cert_mismatch');
    expect(nextHealthState({ status: 'healthy', consecutiveFailures: 0 }, ok(A.toUpperCase()), [A]).status).toBe('healthy');
    // Both the expected fingerprint and the certificate's current version must match.
    expect(nextHealthState({ status: 'healthy', consecutiveFailures: 0 }, ok(A), [A, B]).status).toBe('cert_mismatch');
  });

  it('fail/one failure keeps the previous status; 2 in a row is degraded, 5 is down', () => {
    const { statuses, state } = run([ok(A), fail, fail, fail, fail, fail, fail]);
    expect(statuses).toEqual(['healthy', 'healthy', 'degraded', 'degraded', 'degraded', 'down', 'down']);
    expect(state.consecutiveFailures).toBe(6);
  });

  it('fail/a first failure of a new check keeps it unknown; a mismatch survives one failure', () => {
    expect(run([fail]).statuses).toEqual(['unknown']);
    expect(run([ok(B), fail], [A]).statuses).toEqual(['cert_mismatch', 'cert_mismatch']);
  });

  it('ok/a success between failures starts the count again', () => {
    expect(run([fail, ok(A), fail, fail]).statuses).toEqual(['unknown', 'healthy', 'healthy', 'degraded']);
  });

  it('ok/every status change reachable from a new check is in the transition table, and every table entry is reachable', () => {
    const probes = [ok(A), ok(B), fail];
    const key = (state: HealthState) => `${state.status}/${Math.min(state.consecutiveFailures, 6)}`;
    const queue: HealthState[] = [{ status: 'unknown', consecutiveFailures: 0 }];
    const visited = new Set(queue.map(key));
    const illegal: string[] = [];
    const made = new Set<string>();
    while (queue.length) {
      const state = queue.shift()!;
      for (const probe of probes) {
        const next = nextHealthState(state, probe, [A]);
        if (next.status !== state.status) {
          made.add(`${state.status}→${next.status}`);
          if (!HEALTH_TRANSITIONS[state.status].includes(next.status)) illegal.push(`${state.status}→${next.status}`);
        }
        if (!visited.has(key(next))) {
          visited.add(key(next));
          queue.push({ ...next, consecutiveFailures: Math.min(next.consecutiveFailures, 6) });
        }
      }
    }
    expect(illegal).toEqual([]);
    const table = HEALTH_STATUSES.flatMap((from) => HEALTH_TRANSITIONS[from].map((to) => `${from}→${to}`));
    expect([...made].sort()).toEqual(table.sort());
  });
});
