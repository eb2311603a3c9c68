import { afterFailure, attemptJobId, backoffDelayMs } from './backoff';

const MIN = 60000;
const HOUR = 3600000;

describe('backoffDelayMs', () => {
  it.each([
    ['ok/first retry waits one unit', 1, MIN],
    ['ok/second retry waits two units', 2, 2 * MIN],
    ['ok/fourth retry waits eight units', 4, 8 * MIN],
    ['ok/seventh retry is capped at one hour', 7, HOUR],
    ['ok/huge counts stay capped', 1000, HOUR],
    ['fail/no failures means no delay', 0, 0],
  ])('%s', (_name, failures, expected) => {
    expect(backoffDelayMs(failures, MIN, HOUR)).toBe(expected);
  });
});

describe('afterFailure', () => {
  const opts = { maxAttempts: 5, baseMs: 1000, maxMs: 8000 };
  const now = new Date('2026-11-23T12:00:00.000Z');

  it('ok/the first failure schedules a retry one unit later', () => {
    expect(afterFailure(0, now, opts)).toEqual({ retryCount: 1, dead: false, nextRetryAt: new Date(now.getTime() + 1000) });
  });

  it('ok/the fourth failure waits eight units', () => {
    expect(afterFailure(3, now, opts).nextRetryAt).toEqual(new Date(now.getTime() + 8000));
  });

  it('fail/the fifth failure is dead with no retry time', () => {
    expect(afterFailure(4, now, opts)).toEqual({ retryCount: 5, dead: true, nextRetryAt: null });
  });

  it('fail/a failure that is not retryable is dead at its first attempt, counted as one attempt', () => {
    expect(afterFailure(0, now, opts, false)).toEqual({ retryCount: 1, dead: true, nextRetryAt: null });
  });

  it('fail/a non-retryable failure after retryable ones is dead at once, the attempts so far counted', () => {
    expect(afterFailure(2, now, opts, false)).toEqual({ retryCount: 3, dead: true, nextRetryAt: null });
  });
});

describe('attemptJobId', () => {
  it('ok/is unique per generation and attempt and has no colon', () => {
    const ids = new Set([attemptJobId('ntf-1', 0, 0), attemptJobId('ntf-1', 0, 1), attemptJobId('ntf-1', 1, 0)]);
    expect(ids.size).toBe(3);
    for (const id of ids) expect(id).not.toContain(':');
  });
});
