import { expiryThreshold, severityForThreshold } from './renewal-time';

const DAY = 86400000;
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);

describe('expiryThreshold', () => {
  const th = [30, 14, 7, 1];
  it.each([
    ['ok/40 days left: no threshold', 40, null],
    ['ok/20 days left: 30-day threshold', 20, 30],
    ['ok/10 days left: 14-day threshold', 10, 14],
    ['ok/3 days left: 7-day threshold', 3, 7],
    ['ok/half a day left: 1-day threshold', 0.5, 1],
    ['fail/expired: no threshold', -1, null],
  ])('%s', (_name, daysLeft, expected) => {
    expect(expiryThreshold(at(100), at(100 - daysLeft), th)).toBe(expected);
  });

  it('ok/severity rises as the threshold shrinks', () => {
    expect([30, 14, 7, 1].map(severityForThreshold)).toEqual(['info', 'info', 'warning', 'critical']);
  });
});
