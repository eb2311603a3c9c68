import { backoffDelay } from './backoff';

describe('backoff with full jitter', () => {
  it('doubles the ceiling per attempt and picks uniformly below it', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, 1000, 300_000, () => 0.999999))).toEqual([999, 1999, 3999, 7999]);
    expect(backoffDelay(3, 1000, 300_000, () => 0)).toBe(0);
    expect(backoffDelay(3, 1000, 300_000, () => 0.5)).toBe(2000);
  });

  it('never exceeds the 5 minute cap however many failures', () => {
    expect(backoffDelay(40, 1000, 300_000, () => 0.999999)).toBe(299_999);
    const draws = Array.from({ length: 500 }, () => backoffDelay(12, 1000));
    expect(Math.max(...draws)).toBeLessThan(300_000);
    expect(new Set(draws).size).toBeGreaterThan(100); // jittered, not one fixed wait
  });
});
