import { Injectable } from '@nestjs/common';
import { PrismaService } from '@certctl/database';
import type { FleetGroup } from './capacity-plan';

/** What the capacity planner reads: the fleet by lifetime and renewal policy, its due dates, and the recent issuances. */
@Injectable()
export class CapacityRepository {
  constructor(private readonly db: PrismaService) {}

  /** Live, auto-renewed certificates by (lifetime in whole days, renewal policy window). */
  async fleet(): Promise<FleetGroup[]> {
    const rows = await this.db.$queryRaw<
      { lifetime_days: number; renew_before_days: number | null; renew_before_fraction: number | null; count: number }[]
    >`
      SELECT greatest(1, round(extract(epoch FROM v.not_after - v.not_before) / 86400))::int AS lifetime_days,
             rp.renew_before_days, rp.renew_before_fraction, count(*)::int AS count
      FROM certificates c
      JOIN certificate_versions v ON v.id = c.current_version_id
      JOIN renewal_policies rp ON rp.id = c.renewal_policy_id
      WHERE c.status::text NOT IN ('revoked', 'archived') AND rp.auto_renew
      GROUP BY 1, 2, 3`;
    return rows.map((r) => ({
      lifetimeDays: r.lifetime_days,
      renewBeforeDays: r.renew_before_days,
      renewBeforeFraction: r.renew_before_fraction,
      count: r.count,
    }));
  }

  /** The most renewals falling due within one hour over the next `days` days. */
  async peakDuePerHour(days: number): Promise<number> {
    const rows = await this.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (
        SELECT v.not_after - coalesce(rp.renew_before_days * interval '1 day',
                                      (v.not_after - v.not_before) * coalesce(rp.renew_before_fraction, 1.0 / 3)) AS due
        FROM certificates c
        JOIN certificate_versions v ON v.id = c.current_version_id
        JOIN renewal_policies rp ON rp.id = c.renewal_policy_id
        WHERE c.status::text NOT IN ('revoked', 'archived') AND rp.auto_renew
      ) d
      WHERE due >= now() AND due < now() + ${days} * interval '1 day'
      GROUP BY date_trunc('hour', due) ORDER BY 1 DESC LIMIT 1`;
    return rows[0]?.n ?? 0;
  }

  /** Versions stored in the last `minutes` minutes, and in the busiest minute of them. */
  async issued(minutes: number): Promise<{ total: number; busiestMinute: number }> {
    const rows = await this.db.$queryRaw<{ total: number; peak: number }[]>`
      SELECT coalesce(sum(n), 0)::int AS total, coalesce(max(n), 0)::int AS peak FROM (
        SELECT count(*) AS n FROM certificate_versions
        WHERE created_at > now() - ${minutes} * interval '1 minute'
        GROUP BY date_trunc('minute', created_at)
      ) m`;
    return { total: rows[0]?.total ?? 0, busiestMinute: rows[0]?.peak ?? 0 };
  }
}
