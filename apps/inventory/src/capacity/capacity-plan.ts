/**
 * The capacity planner's arithmetic, with no I/O: renewals per day and peak per hour from the
 * fleet's lifetimes and renewal windows, now and under the CA/Browser Forum's shrinking
 * maximum lifetimes, against the platform's issuance capacity; and how long a mass
 * re-issuance takes.
 */

export interface FleetGroup {
  lifetimeDays: number;
  /** The renewal policy: renew this many days before expiry, or this fraction of the lifetime before it. */
  renewBeforeDays: number | null;
  renewBeforeFraction: number | null;
  count: number;
}

export interface CapacityInputs {
  now: Date;
  groups: FleetGroup[];
  /** The most renewals falling due in one hour over the next 30 days (the fleet's own clustering). */
  peakDuePerHour: number;
  capacity: { perSecond: number | null; source: 'configured' | 'measured' | 'unknown'; windowMinutes: number; issuedInWindow: number };
  /** Certificates a mass re-issuance would replace. */
  massCount: number;
}

/** CA/Browser Forum ballot SC-081: the maximum TLS certificate lifetime from each date. */
export const CABF_SCHEDULE = [
  { name: 'CA/B Forum 200 days', from: '2026-03-15T00:00:00.000Z', maxDays: 200 },
  { name: 'CA/B Forum 100 days', from: '2027-03-15T00:00:00.000Z', maxDays: 100 },
  { name: 'CA/B Forum 47 days', from: '2029-03-15T00:00:00.000Z', maxDays: 47 },
] as const;

const DEFAULT_FRACTION = 1 / 3;
/** The share of capacity a plan may count on for routine renewals before it advises scaling. */
const COMFORTABLE = 0.5;

/** Days between two renewals of one certificate: its lifetime minus its renewal window (at least one day). */
export function renewalIntervalDays(lifetimeDays: number, renewBeforeDays: number | null, renewBeforeFraction: number | null): number {
  const window = renewBeforeDays ?? (renewBeforeFraction ?? DEFAULT_FRACTION) * lifetimeDays;
  return Math.max(1, lifetimeDays - window);
}

/** Renewals per day when no certificate may live longer than `maxDays` (null: lifetimes as they are). */
export function renewalsPerDay(groups: FleetGroup[], maxDays: number | null): number {
  return groups.reduce((sum, g) => {
    const lifetime = maxDays === null ? g.lifetimeDays : Math.min(g.lifetimeDays, maxDays);
    return sum + g.count / renewalIntervalDays(Math.max(1, lifetime), g.renewBeforeDays, g.renewBeforeFraction);
  }, 0);
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function capacityPlan(input: CapacityInputs) {
  const perHourCapacity = input.capacity.perSecond === null ? null : input.capacity.perSecond * 3600;
  const perDayNow = renewalsPerDay(input.groups, null);
  // The fleet's clustering (how much the busiest hour exceeds the average) carries over to shorter lifetimes.
  const burst = perDayNow > 0 ? Math.max(1, input.peakDuePerHour / (perDayNow / 24)) : 1;
  const scenario = (name: string, from: string | null, maxDays: number | null) => {
    const perDay = renewalsPerDay(input.groups, maxDays);
    const peak = (perDay / 24) * burst;
    return {
      name,
      effective_from: from,
      max_lifetime_days: maxDays,
      renewals_per_day: round(perDay),
      peak_per_hour: round(peak),
      utilisation: perHourCapacity ? round(peak / perHourCapacity, 4) : null,
    };
  };
  const scenarios = [scenario('now', null, null), ...CABF_SCHEDULE.map((s) => scenario(s.name, s.from, s.maxDays))];
  const peakNow = scenarios[0].peak_per_hour;
  const spare = perHourCapacity === null ? null : perHourCapacity - peakNow;
  const hoursFull = perHourCapacity ? input.massCount / perHourCapacity : null;
  const hoursBeside = spare !== null && spare > 0 ? input.massCount / spare : null;
  const mass = {
    certificates: input.massCount,
    hours_at_full_capacity: hoursFull === null ? null : round(hoursFull, 2),
    hours_beside_routine_renewals: hoursBeside === null ? null : round(hoursBeside, 2),
    headroom_days_needed: hoursBeside === null ? null : round(hoursBeside / 24, 2),
  };
  return {
    generated_at: input.now.toISOString(),
    fleet: {
      certificates: input.groups.reduce((n, g) => n + g.count, 0),
      by_lifetime_days: lifetimeHistogram(input.groups),
    },
    capacity: {
      issuances_per_second: input.capacity.perSecond === null ? null : round(input.capacity.perSecond, 3),
      source: input.capacity.source,
      measured_window_minutes: input.capacity.windowMinutes,
      issued_in_window: input.capacity.issuedInWindow,
    },
    scenarios,
    mass_reissuance: mass,
    advice: advice(input, scenarios, spare, mass.headroom_days_needed),
  };
}

function lifetimeHistogram(groups: FleetGroup[]) {
  const byDays = new Map<number, number>();
  for (const g of groups) byDays.set(g.lifetimeDays, (byDays.get(g.lifetimeDays) ?? 0) + g.count);
  return [...byDays].sort((a, b) => a[0] - b[0]).map(([lifetime_days, count]) => ({ lifetime_days, count }));
}

type Scenario = { name: string; peak_per_hour: number; utilisation: number | null };

function advice(input: CapacityInputs, scenarios: Scenario[], spare: number | null, headroomDays: number | null): string[] {
  const out: string[] = [];
  if (input.capacity.source === 'unknown')
    out.push(
      'No issuance was observed in the last hour and CERTCTL_CAPACITY_ISSUANCES_PER_SECOND is not set: run loadtest/reissuance.mjs against a test issuer, or set the figure you measured.',
    );
  if (input.capacity.source === 'measured')
    out.push(
      'The capacity is the busiest minute of the last hour: a lower bound unless the platform was saturated in it (docs/capacity.md).',
    );
  for (const s of scenarios) {
    if (s.utilisation !== null && s.utilisation > COMFORTABLE)
      out.push(
        `${s.name}: the busiest hour needs ${Math.round(s.utilisation * 100)}% of the issuance capacity; add issuance replicas or raise CERTCTL_ISSUANCE_CONCURRENCY (signing is the step that scales with them), then the database pool.`,
      );
  }
  if (spare !== null && spare <= 0)
    out.push('Routine renewals already use all the capacity: a mass re-issuance cannot finish without scaling issuance first.');
  if (headroomDays !== null && spare !== null && spare > 0) {
    out.push(
      `Replacing ${input.massCount} certificates beside routine renewals takes ${headroomDays} day(s): keep at least that much between a distrust announcement and its deadline; a campaign rate of ${Math.max(1, Math.floor((spare / 60) * 0.8))} per minute leaves 20% for routine renewals.`,
    );
  }
  return out;
}
