import { AppError } from '@certctl/contracts';
import { DEPENDENCY_RETRY_MS, DEPENDENCY_WAIT_MAX_MS, dependencyRetryDelay } from './dependency-wait';

describe('waiting out an unavailable dependency', () => {
  const down = new AppError('service_unavailable', 'the service answering certctl.v1.inventory.job.start is unavailable');
  const now = 1_000_000_000;

  it('ok/an unavailable service: run again in one to two seconds, jittered, with no attempt spent', () => {
    expect(dependencyRetryDelay(down, undefined, now, () => 0)).toBe(DEPENDENCY_RETRY_MS);
    expect(dependencyRetryDelay(down, now - 60_000, now, () => 0.5)).toBe(1.5 * DEPENDENCY_RETRY_MS);
  });

  it('fail/an outage longer than the bound spends attempts again, so the job ends dead-lettered, not stuck', () => {
    expect(dependencyRetryDelay(down, now - DEPENDENCY_WAIT_MAX_MS - 1, now)).toBeNull();
  });

  it.each([
    ['a CA refusing', new AppError('issuer_failure', 'the CA refused the request')],
    ['a timeout of the work itself', new AppError('timeout', 'signing took too long')],
    ['a plain error', new Error('target unreachable')],
    ['an unavailable service marked final by the job', new AppError('service_unavailable', 'job failed', { retryable: false })],
  ])("fail/%s is the job's own failure: attempts and backoff apply", (_what, err) => {
    expect(dependencyRetryDelay(err, undefined, now)).toBeNull();
  });

  it('ok/the own database cut off (a driver error, not an AppError) is an outage too: no attempt spent', () => {
    const cut = Object.assign(new Error('Raw query failed. Code: `57P01`.'), {
      code: 'P2010',
      meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '57P01' } } },
    });
    expect(dependencyRetryDelay(cut, undefined, now, () => 0)).toBe(DEPENDENCY_RETRY_MS);
  });
});
