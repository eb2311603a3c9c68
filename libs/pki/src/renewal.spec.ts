import { DEFAULT_RENEW_BEFORE_FRACTION, ariDueAt, renewalDueAt, renewalPoint, renewalSchedule, renewalStartAt } from './renewal';

const DAY = 86400000;
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);

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

describe('renewalSchedule', () => {
  const base = {
    certificateId: 'crt_watch',
    notBefore: at(0),
    notAfter: at(90),
    renewBeforeDays: null,
    renewBeforeFraction: null,
    ariWindow: null,
    autoRenew: true,
    maxJitterMs: 3600000,
  };

  it('ok/policy fraction: due when the fraction is left, source policy, no window', () => {
    const s = renewalSchedule({ ...base, renewBeforeFraction: 0.25 });
    expect(s.dueAt).toEqual(at(67.5));
    expect(s).toMatchObject({ source: 'policy', reason: 'renew_before_fraction', window: null });
    expect(s.explanation).toContain('25% of the lifetime is left');
  });

  it('ok/policy days and the default fraction name their rule', () => {
    expect(renewalSchedule({ ...base, renewBeforeDays: 10 })).toMatchObject({ dueAt: at(80), reason: 'renew_before_days' });
    expect(renewalSchedule(base)).toMatchObject({ dueAt: at(60), reason: 'default_fraction' });
    expect(renewalSchedule({ ...base, renewBeforeDays: 100 })).toMatchObject({ dueAt: at(60), reason: 'days_window_too_long' });
  });

  it('ok/an ARI window wins over the policy: due inside the window, the same moment the scan uses', () => {
    const window = { start: at(50), end: at(52) };
    const s = renewalSchedule({ ...base, renewBeforeDays: 10, ariWindow: window });
    expect(s).toMatchObject({ source: 'ari', reason: 'ari_window', window });
    expect(s.dueAt).toEqual(ariDueAt('crt_watch', window.start, window.end));
    expect(s.dueAt.getTime()).toBeGreaterThanOrEqual(window.start.getTime());
    expect(s.dueAt.getTime()).toBeLessThanOrEqual(window.end.getTime());
  });

  it('ok/jitter bounds: start is the scan start for the due time, within max jitter and 10% of the time left', () => {
    for (let i = 0; i < 200; i++) {
      const s = renewalSchedule({ ...base, certificateId: `crt_${i}` });
      expect(s.startAt).toEqual(renewalStartAt(`crt_${i}`, s.dueAt, base.notAfter, s.dueAt, base.maxJitterMs));
      const jitter = s.startAt.getTime() - s.dueAt.getTime();
      expect(jitter).toBeGreaterThanOrEqual(0);
      expect(jitter).toBeLessThan(base.maxJitterMs);
    }
    // a 10-minute certificate: at most 10% of the 200 s left after the 2/3 point
    const short = renewalSchedule({ ...base, notBefore: t0, notAfter: new Date(t0.getTime() + 600_000), renewBeforeFraction: 1 / 3 });
    expect(short.dueAt.getTime()).toBe(t0.getTime() + 400_000);
    expect(short.startAt.getTime() - short.dueAt.getTime()).toBeLessThanOrEqual(20_000);
  });

  it('ok/no jitter when the maximum is 0', () => {
    const s = renewalSchedule({ ...base, maxJitterMs: 0 });
    expect(s.startAt).toEqual(s.dueAt);
  });

  it('fail/auto-renew off: source manual_only and the explanation says no job is created', () => {
    const s = renewalSchedule({ ...base, autoRenew: false });
    expect(s.source).toBe('manual_only');
    expect(s.explanation).toContain('no job is created');
  });
});
