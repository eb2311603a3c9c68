import { CABF_SCHEDULE, capacityPlan, renewalIntervalDays, renewalsPerDay, type CapacityInputs } from './capacity-plan';

const now = new Date('2026-12-05T08:00:00Z');
const base = (over: Partial<CapacityInputs> = {}): CapacityInputs => ({
  now,
  // 9,000 certificates of 90 days renewed 30 days before expiry: one renewal each 60 days, 150 a day.
  groups: [{ lifetimeDays: 90, renewBeforeDays: 30, renewBeforeFraction: null, count: 9000 }],
  peakDuePerHour: 6.25,
  capacity: { perSecond: 1, source: 'configured', windowMinutes: 60, issuedInWindow: 0 },
  massCount: 9000,
  ...over,
});

describe('capacity planner', () => {
  it('ok/a renewal interval is the lifetime minus the renewal window (days or fraction), never under a day', () => {
    expect(renewalIntervalDays(90, 30, null)).toBe(60);
    expect(renewalIntervalDays(90, null, 1 / 3)).toBe(60);
    expect(renewalIntervalDays(47, null, null)).toBeCloseTo(31.33, 2); // the default window is a third of the lifetime
    expect(renewalIntervalDays(30, 30, null)).toBe(1);
  });

  it('ok/renewals per day now and when the maximum lifetime shrinks to 47 days', () => {
    const groups = base().groups;
    expect(renewalsPerDay(groups, null)).toBe(150);
    expect(renewalsPerDay(groups, 47)).toBe(9000 / 17); // 47 - 30 days
    expect(renewalsPerDay(groups, 200)).toBe(150); // longer than the certificates live: no change
  });

  it('ok/the CA/Browser Forum schedule: 200 days from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15', () => {
    expect(CABF_SCHEDULE.map((s) => [s.from.slice(0, 10), s.maxDays])).toEqual([
      ['2026-03-15', 200],
      ['2027-03-15', 100],
      ['2029-03-15', 47],
    ]);
    const plan = capacityPlan(base());
    expect(plan.scenarios.map((s) => s.name)).toEqual(['now', 'CA/B Forum 200 days', 'CA/B Forum 100 days', 'CA/B Forum 47 days']);
    expect(plan.scenarios[3]).toMatchObject({ max_lifetime_days: 47, renewals_per_day: 529.4 });
  });

  it('ok/the busiest hour keeps the fleet’s clustering: twice the average now, twice the average at 47 days', () => {
    const plan = capacityPlan(base({ peakDuePerHour: 12.5 })); // average 6.25 an hour
    expect(plan.scenarios[0].peak_per_hour).toBe(12.5);
    expect(plan.scenarios[3].peak_per_hour).toBeCloseTo((9000 / 17 / 24) * 2, 1);
    expect(plan.scenarios[0].utilisation).toBeCloseTo(12.5 / 3600, 4);
  });

  it('ok/a mass re-issuance: hours at full capacity, beside routine renewals, and the headroom in days', () => {
    const plan = capacityPlan(
      base({ massCount: 36000, capacity: { perSecond: 0.5, source: 'measured', windowMinutes: 60, issuedInWindow: 900 } }),
    );
    expect(plan.mass_reissuance.hours_at_full_capacity).toBe(20); // 36,000 / 1,800 an hour
    const spare = 1800 - 6.3; // capacity an hour minus the busiest routine hour (rounded to 6.3)
    expect(plan.mass_reissuance.hours_beside_routine_renewals).toBeCloseTo(36000 / spare, 2);
    expect(plan.mass_reissuance.headroom_days_needed).toBeCloseTo(36000 / spare / 24, 2);
    expect(plan.advice.join(' ')).toMatch(/lower bound/);
    expect(plan.advice.join(' ')).toMatch(/per minute leaves 20%/);
  });

  it('ok/when routine renewals at 47 days need more than half the capacity, it says what to scale', () => {
    const plan = capacityPlan(base({ capacity: { perSecond: 0.01, source: 'configured', windowMinutes: 60, issuedInWindow: 0 } }));
    expect(plan.advice.some((a) => a.startsWith('CA/B Forum 47 days') && a.includes('add issuance replicas'))).toBe(true);
  });

  it('ok/without any measured or configured capacity it answers the load and says how to measure', () => {
    const plan = capacityPlan(base({ capacity: { perSecond: null, source: 'unknown', windowMinutes: 60, issuedInWindow: 0 } }));
    expect(plan.scenarios[0].utilisation).toBeNull();
    expect(plan.mass_reissuance).toMatchObject({ certificates: 9000, hours_at_full_capacity: null, headroom_days_needed: null });
    expect(plan.advice[0]).toMatch(/loadtest\/reissuance\.mjs/);
  });

  it('ok/capacity used up by routine renewals: no finite headroom, and it says so', () => {
    const plan = capacityPlan(
      base({ peakDuePerHour: 5000, capacity: { perSecond: 1, source: 'configured', windowMinutes: 60, issuedInWindow: 0 } }),
    );
    expect(plan.mass_reissuance.hours_beside_routine_renewals).toBeNull();
    expect(plan.advice.join(' ')).toMatch(/cannot finish without scaling/);
  });

  it('ok/the fleet histogram sums groups of the same lifetime', () => {
    const plan = capacityPlan(
      base({
        groups: [
          { lifetimeDays: 90, renewBeforeDays: 30, renewBeforeFraction: null, count: 2 },
          { lifetimeDays: 90, renewBeforeDays: null, renewBeforeFraction: 0.5, count: 3 },
          { lifetimeDays: 7, renewBeforeDays: 2, renewBeforeFraction: null, count: 1 },
        ],
      }),
    );
    expect(plan.fleet).toEqual({
      certificates: 6,
      by_lifetime_days: [
        { lifetime_days: 7, count: 1 },
        { lifetime_days: 90, count: 5 },
      ],
    });
  });
});
