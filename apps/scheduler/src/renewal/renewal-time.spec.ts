import { expiryThreshold, renewalDueAt, renewalStartAt, severityForThreshold } from './renewal-time';

const DAY = 86400000;
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);

describe('renewalDueAt', () => {
  it.each([
    [
      'ok/default: two thirds of a 90-day lifetime',
      { notBefore: at(0), notAfter: at(90), renewBeforeDays: null, renewBeforeFraction: null },
      at(60),
    ],
    [
      'ok/window in days wins over the fraction',
      { notBefore: at(0), notAfter: at(90), renewBeforeDays: 30, renewBeforeFraction: 0.5 },
      at(60),
    ],
    ['ok/fraction of lifetime left', { notBefore: at(0), notAfter: at(100), renewBeforeDays: null, renewBeforeFraction: 0.25 }, at(75)],
    [
      'ok/a window not shorter than the lifetime falls back to the fraction (no renewal storm)',
      { notBefore: at(0), notAfter: at(30), renewBeforeDays: 30, renewBeforeFraction: null },
      at(20),
    ],
    [
      'fail/an invalid fraction falls back to the default',
      { notBefore: at(0), notAfter: at(90), renewBeforeDays: null, renewBeforeFraction: 1.5 },
      at(60),
    ],
  ])('%s', (_name, input, expected) => {
    expect(renewalDueAt(input)).toEqual(expected);
  });

  it('ok/property: due time always lies within the validity period', () => {
    for (let i = 0; i < 500; i++) {
      const life = 1 + Math.floor(Math.random() * 800);
      const days = Math.random() < 0.5 ? Math.floor(Math.random() * 1000) : null;
      const fraction = Math.random() < 0.5 ? Math.random() * 1.2 : null;
      const due = renewalDueAt({ notBefore: at(0), notAfter: at(life), renewBeforeDays: days, renewBeforeFraction: fraction });
      expect(due.getTime()).toBeGreaterThanOrEqual(at(0).getTime());
      expect(due.getTime()).toBeLessThanOrEqual(at(life).getTime());
    }
  });
});

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

describe('renewalStartAt', () => {
  it('ok/is deterministic per certificate (replicas agree) and within the jitter window', () => {
    const a = renewalStartAt('cert-a', at(60), at(90), at(61), 3600000);
    expect(renewalStartAt('cert-a', at(60), at(90), at(61), 3600000)).toEqual(a);
    expect(a.getTime()).toBeGreaterThanOrEqual(at(61).getTime());
    expect(a.getTime()).toBeLessThan(at(61).getTime() + 3600000);
  });

  it('ok/spreads a fleet due at the same moment', () => {
    const starts = new Set(Array.from({ length: 200 }, (_, i) => renewalStartAt(`cert-${i}`, at(60), at(90), at(60), 3600000).getTime()));
    expect(starts.size).toBeGreaterThan(190);
  });

  it('fail/no jitter when there is no time left to spread over', () => {
    expect(renewalStartAt('cert-a', at(60), at(60), at(60), 3600000)).toEqual(at(60));
  });
});
