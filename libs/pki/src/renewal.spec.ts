import { DEFAULT_RENEW_BEFORE_FRACTION, renewalPoint } from './renewal';

describe('renewalPoint', () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const to = new Date('2026-01-31T00:00:00Z'); // 30 days

  it('ok/by default two thirds of the lifetime (a third left)', () => {
    expect(DEFAULT_RENEW_BEFORE_FRACTION).toBeCloseTo(1 / 3);
    expect(renewalPoint(from, to).toISOString()).toBe('2026-01-21T00:00:00.000Z');
  });

  it('ok/another fraction left: a sixth left is five sixths of the lifetime (the end of the ARI window)', () => {
    expect(renewalPoint(from, to, 1 / 6).toISOString()).toBe('2026-01-26T00:00:00.000Z');
    expect(renewalPoint(from, to, 0.5).toISOString()).toBe('2026-01-16T00:00:00.000Z');
  });

  it('ok/a lifetime that does not divide by three lands on a whole millisecond inside it', () => {
    const start = new Date(0);
    const end = new Date(1000);
    const at = renewalPoint(start, end).getTime();
    expect(Number.isInteger(at)).toBe(true);
    expect(at).toBeGreaterThanOrEqual(666);
    expect(at).toBeLessThanOrEqual(667);
  });
});
