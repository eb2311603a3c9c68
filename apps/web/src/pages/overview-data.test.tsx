import { describe, expect, it } from 'vitest';
import { expiryByWeek, jobOutcomesByDay } from './overview-data';

const now = new Date('2026-12-05T12:00:00.000Z');

describe('overview chart data', () => {
  it('counts expiries per week over the next 90 days, leaving out the past and later', () => {
    const bars = expiryByWeek(
      ['2026-12-06T00:00:00Z', '2026-12-11T00:00:00Z', '2026-12-13T00:00:00Z', '2026-12-01T00:00:00Z', '2027-06-01T00:00:00Z', null],
      now,
    );
    expect(bars).toHaveLength(13);
    expect(bars.slice(0, 3).map((bar) => bar.values[0])).toEqual([2, 1, 0]);
    expect(bars.reduce((sum, bar) => sum + bar.values[0], 0)).toBe(3);
  });

  it('counts completed and failed jobs per day for 30 days, oldest first', () => {
    const bars = jobOutcomesByDay(
      [
        { status: 'completed', updated_at: '2026-12-05T01:00:00Z' },
        { status: 'failed', updated_at: '2026-12-05T02:00:00Z' },
        { status: 'completed', updated_at: '2026-11-06T02:00:00Z' },
        { status: 'running', updated_at: '2026-12-05T02:00:00Z' },
        { status: 'completed', updated_at: '2026-10-01T00:00:00Z' },
      ],
      now,
    );
    expect(bars).toHaveLength(30);
    expect(bars[29]).toEqual({ label: '12/5', values: [1, 1] });
    expect(bars[0]).toEqual({ label: '11/6', values: [1, 0] });
  });
});
