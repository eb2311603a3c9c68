import { CA_POLL_DELAYS_MS, describeWait, nextPollAt, pollDelayMs } from './poll-schedule';

describe('CA order poll schedule', () => {
  it('ok/backs off 5 s, 15 s, 45 s, 2 min, then 5 min for ever (no jitter at the midpoint)', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 50].map((n) => pollDelayMs(n, mid))).toEqual([5000, 15000, 45000, 120000, 300000, 300000, 300000]);
    expect(CA_POLL_DELAYS_MS).toEqual([5000, 15000, 45000, 120000, 300000]);
  });

  it('ok/jitter stays within ±20 % of each step', () => {
    expect(pollDelayMs(0, () => 0)).toBe(4000);
    expect(pollDelayMs(0, () => 0.999999)).toBe(6000);
    expect(pollDelayMs(4, () => 0)).toBe(240000);
    expect(pollDelayMs(4, () => 0.999999)).toBe(360000);
    const seen = new Set(Array.from({ length: 50 }, () => pollDelayMs(1)));
    expect(seen.size).toBeGreaterThan(1);
    for (const d of seen) expect(d >= 12000 && d <= 18000).toBe(true);
  });

  it('fail/never past the deadline: the last poll is at the deadline, then there is none', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const deadline = new Date(now.getTime() + 60000);
    expect(nextPollAt(0, now, deadline, () => 0.5)).toEqual(new Date(now.getTime() + 5000));
    expect(nextPollAt(4, now, deadline, () => 0.5)).toEqual(deadline);
    expect(nextPollAt(4, deadline, deadline)).toBeNull();
    expect(nextPollAt(0, new Date(deadline.getTime() + 1), deadline)).toBeNull();
  });

  it('ok/waits are named in the largest whole unit', () => {
    expect([3 * 86400000, 7200000, 600000, 10000, 90500].map(describeWait)).toEqual(['3 d', '2 h', '10 min', '10 s', '91 s']);
  });
});
