import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@certctl/database';

/** A certificate with its current version, renewal policy and owner, as the renewal scan reads it. */
export interface ScanRow {
  id: string;
  name: string;
  status: string;
  version_id: string;
  not_before: Date;
  not_after: Date;
  ari_window_start: Date | null;
  ari_window_end: Date | null;
  renewal_policy_id: string;
  renew_before_days: number | null;
  renew_before_fraction: number | null;
  auto_renew: boolean;
  alert_thresholds_days: number[];
  requires_approval: boolean;
  team_id: string;
  owner_id: string;
  owner_email: string;
}

/** Which certificates a scan page holds: all, those due for renewal, or those within their policy's alert horizon. */
export type ScanSelection = 'all' | 'renewal' | 'expiry' | undefined;

/** One renewal job the scheduler asks for: of this certificate version, at this time. */
export interface RenewalRequest {
  id: string;
  certificateId: string;
  versionId: string;
  idempotencyKey: string;
  scheduledAt: Date;
}

export interface CreatedRenewal {
  id: string;
  status: string;
  certificate_id: string;
  scheduled_at: Date;
}

const DUE_FOR_RENEWAL = Prisma.sql`AND v.not_after > now() AND now() + interval '1 hour' >= COALESCE(v.ari_window_start, CASE
      WHEN p.renew_before_days IS NOT NULL AND p.renew_before_days >= 0
           AND p.renew_before_days * interval '1 day' < (v.not_after - v.not_before)
      THEN v.not_after - p.renew_before_days * interval '1 day'
      ELSE v.not_after - (CASE WHEN p.renew_before_fraction > 0 AND p.renew_before_fraction < 1
                               THEN p.renew_before_fraction ELSE 1.0 / 3 END) * (v.not_after - v.not_before)
    END)`;
const WITHIN_ALERT_HORIZON = Prisma.sql`AND v.not_after > now()
      AND v.not_after <= now() + (SELECT COALESCE(max(t), 0) FROM unnest(p.alert_thresholds_days) AS t) * interval '1 day'`;

/** The renewal scan's keyset-paginated read and the idempotent insert of renewal jobs. */
@Injectable()
export class RenewalRepository {
  constructor(private readonly db: PrismaService) {}

  /** One indexed query per page: certificates after `afterId` (not revoked or archived) with their current version and policy. */
  scanPage(afterId: string, selection: ScanSelection, limit: number): Promise<ScanRow[]> {
    const filter = selection === 'renewal' ? DUE_FOR_RENEWAL : selection === 'expiry' ? WITHIN_ALERT_HORIZON : Prisma.empty;
    return this.db.$queryRaw<ScanRow[]>`
      SELECT c.id, c.name, c.status::text AS status, v.id AS version_id, v.not_before, v.not_after,
             v.ari_window_start, v.ari_window_end,
             c.renewal_policy_id, p.renew_before_days, p.renew_before_fraction, p.auto_renew, p.alert_thresholds_days,
             COALESCE(pr.requires_approval, false) AS requires_approval, c.team_id, c.owner_id, o.email AS owner_email
      FROM certificates c
      JOIN certificate_versions v ON v.id = c.current_version_id
      JOIN renewal_policies p ON p.id = c.renewal_policy_id
      JOIN owners o ON o.id = c.owner_id
      LEFT JOIN certificate_profiles pr ON pr.id = c.profile_id
      WHERE c.id > ${afterId} AND c.status NOT IN ('revoked', 'archived') ${filter}
      ORDER BY c.id
      LIMIT ${limit}`;
  }

  /**
   * Renewal jobs for the versions that are still current, on certificates that may go to
   * renewal_in_progress and have no open issuance or renewal; ON CONFLICT on the idempotency
   * key makes repeated scans and replicas harmless. Returns the jobs created.
   */
  insertRenewalJobs(requests: RenewalRequest[], renewableFrom: string[]): Promise<CreatedRenewal[]> {
    return this.db.$queryRaw<CreatedRenewal[]>`
      INSERT INTO jobs (id, type, status, certificate_id, agent_id, max_attempts, requested_by, idempotency_key, scheduled_at, created_at, updated_at)
      SELECT x.id, 'renewal'::job_type,
             (CASE WHEN COALESCE(pr.requires_approval, false) THEN 'awaiting_approval'
                   WHEN pr.key_generation = 'agent' THEN 'awaiting_csr'
                   ELSE 'pending' END)::job_status,
             c.id, c.agent_id, p.max_retries, 'scheduler', x.key, x.at, now(), now()
      FROM unnest(${requests.map((r) => r.id)}::text[], ${requests.map((r) => r.certificateId)}::text[],
                  ${requests.map((r) => r.versionId)}::text[], ${requests.map((r) => r.idempotencyKey)}::text[],
                  ${requests.map((r) => r.scheduledAt)}::timestamptz[])
           AS x(id, cert_id, version_id, key, at)
      JOIN certificates c ON c.id = x.cert_id AND c.current_version_id = x.version_id
      JOIN renewal_policies p ON p.id = c.renewal_policy_id
      LEFT JOIN certificate_profiles pr ON pr.id = c.profile_id
      -- Not while another issuance or renewal (a manual one, say) is already open.
      WHERE NOT EXISTS (SELECT 1 FROM jobs o WHERE o.certificate_id = c.id AND o.type IN ('issuance', 'renewal')
                        AND o.status IN ('pending', 'awaiting_approval', 'awaiting_csr', 'running'))
        AND c.status::text = ANY(${renewableFrom}::text[])
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id, status::text AS status, certificate_id, scheduled_at`;
  }
}
