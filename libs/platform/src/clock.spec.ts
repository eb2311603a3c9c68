import { OffsetClock, SystemClock, TestClock } from './clock';

describe('clocks', () => {
  it('ok/the system clock reads the real time', () => {
    const before = Date.now();
    const clock = new SystemClock();
    const ms = clock.nowMs();
    const at = clock.now().getTime();
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(at).toBeGreaterThanOrEqual(ms);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('ok/a test clock stands still until it is moved, forward, back or to a given time', () => {
    const clock = new TestClock(new Date('2026-06-01T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(clock.nowMs()).toBe(Date.parse('2026-06-01T00:00:00Z'));
    expect(clock.advance(1500).now().toISOString()).toBe('2026-06-01T00:00:01.500Z');
    expect(clock.advance(-500).nowMs()).toBe(Date.parse('2026-06-01T00:00:01Z'));
    expect(clock.set(0).now().toISOString()).toBe('1970-01-01T00:00:00.000Z');
    const started = Date.now();
    expect(new TestClock().nowMs()).toBeGreaterThanOrEqual(started);
  });

  it('ok/an offset clock runs with the real time, shifted by the offset it is given; 0 puts it back', () => {
    const clock = new OffsetClock();
    const before = Date.now();
    expect(clock.nowMs()).toBeGreaterThanOrEqual(before);
    expect(clock.nowMs()).toBeLessThanOrEqual(Date.now());
    clock.setOffset(3_600_000);
    expect(clock.offsetMs).toBe(3_600_000);
    expect(clock.now().getTime() - Date.now()).toBeGreaterThan(3_600_000 - 1000);
    expect(clock.now().getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);
    clock.setOffset(0);
    expect(Math.abs(clock.nowMs() - Date.now())).toBeLessThan(1000);
  });

  it('fail/an offset that is not a finite number is refused', () => {
    const clock = new OffsetClock();
    expect(() => clock.setOffset(Number.NaN)).toThrow(RangeError);
    expect(() => clock.setOffset(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(clock.offsetMs).toBe(0);
  });
});
