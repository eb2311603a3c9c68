import { Injectable } from '@nestjs/common';
import { QueueName, type RpcRequestParsed, type RpcResponse, type SchedulerRpc } from '@certctl/contracts';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';

type ScanReq = RpcRequestParsed<typeof SchedulerRpc.renewalScanBatch>;
type ScanRes = RpcResponse<typeof SchedulerRpc.renewalScanBatch>;
type CreateReq = RpcRequestParsed<typeof SchedulerRpc.renewalCreateJobs>;
type CreateRes = RpcResponse<typeof SchedulerRpc.renewalCreateJobs>;

interface ScanRow {
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

/** The idempotency key of the renewal of one certificate version: one job per version, ever. */
export function renewalKey(certificateId: string, versionId: string): string {
  return `renewal:${certificateId}:${versionId}`;
}

/**
 * What the scheduler's renewal scan needs from inventory: a keyset-paginated page of
 * certificates with their current version and policy (one indexed query per page), and
 * idempotent creation of renewal jobs.
 */
@Injectable()
export class RenewalService {
  constructor(
    private readonly db: PrismaService,
    private readonly queues: QueueService,
  ) {}

  async scanBatch(req: ScanReq): Promise<ScanRes> {
    const after = req.after_id ?? '';
    const filter =
      req.only === 'renewal'
        ? Prisma.sql`AND v.not_after > now() AND now() + interval '1 hour' >= COALESCE(v.ari_window_start, CASE
              WHEN p.renew_before_days IS NOT NULL AND p.renew_before_days >= 0
                   AND p.renew_before_days * interval '1 day' < (v.not_after - v.not_before)
              THEN v.not_after - p.renew_before_days * interval '1 day'
              ELSE v.not_after - (CASE WHEN p.renew_before_fraction > 0 AND p.renew_before_fraction < 1
                                       THEN p.renew_before_fraction ELSE 1.0 / 3 END) * (v.not_after - v.not_before)
            END)`
        : req.only === 'expiry'
          ? Prisma.sql`AND v.not_after > now()
              AND v.not_after <= now() + (SELECT COALESCE(max(t), 0) FROM unnest(p.alert_thresholds_days) AS t) * interval '1 day'`
          : Prisma.empty;
    const rows = await this.db.$queryRaw<ScanRow[]>`
      SELECT c.id, c.name, c.status::text AS status, v.id AS version_id, v.not_before, v.not_after,
             v.ari_window_start, v.ari_window_end,
             c.renewal_policy_id, p.renew_before_days, p.renew_before_fraction, p.auto_renew, p.alert_thresholds_days,
             COALESCE(pr.requires_approval, false) AS requires_approval, c.team_id, c.owner_id, o.email AS owner_email
      FROM certificates c
      JOIN certificate_versions v ON v.id = c.current_version_id
      JOIN renewal_policies p ON p.id = c.renewal_policy_id
      JOIN owners o ON o.id = c.owner_id
      LEFT JOIN certificate_profiles pr ON pr.id = c.profile_id
      WHERE c.id > ${after} AND c.status NOT IN ('revoked', 'archived') ${filter}
      ORDER BY c.id
      LIMIT ${req.limit}`;
    const data = rows.map((r) => ({
      ...r,
      not_before: r.not_before.toISOString(),
      not_after: r.not_after.toISOString(),
      ari_window_start: r.ari_window_start?.toISOString() ?? null,
      ari_window_end: r.ari_window_end?.toISOString() ?? null,
    }));
    return { data, next_after_id: rows.length === req.limit ? rows[rows.length - 1]!.id : null };
  }

  async createJobs(req: CreateReq): Promise<CreateRes> {
    if (req.jobs.length === 0) return { created: 0, awaiting_approval: 0, duplicates: 0, awaiting_jobs: [] };
    const ids = req.jobs.map(() => newId('job'));
    const certs = req.jobs.map((j) => j.certificate_id);
    const versions = req.jobs.map((j) => j.version_id);
    const keys = req.jobs.map((j) => renewalKey(j.certificate_id, j.version_id));
    const at = req.jobs.map((j) => new Date(j.scheduled_at));
    // Only for the version that is still current; ON CONFLICT makes repeated scans and replicas harmless.
    const created = await this.db.$queryRaw<{ id: string; status: string; certificate_id: string; scheduled_at: Date }[]>`
      INSERT INTO jobs (id, type, status, certificate_id, agent_id, max_attempts, requested_by, idempotency_key, scheduled_at, created_at, updated_at)
      SELECT x.id, 'renewal'::job_type,
             (CASE WHEN COALESCE(pr.requires_approval, false) THEN 'awaiting_approval'
                   WHEN pr.key_generation = 'agent' THEN 'awaiting_csr'
                   ELSE 'pending' END)::job_status,
             c.id, c.agent_id, p.max_retries, 'scheduler', x.key, x.at, now(), now()
      FROM unnest(${ids}::text[], ${certs}::text[], ${versions}::text[], ${keys}::text[], ${at}::timestamptz[])
           AS x(id, cert_id, version_id, key, at)
      JOIN certificates c ON c.id = x.cert_id AND c.current_version_id = x.version_id
      JOIN renewal_policies p ON p.id = c.renewal_policy_id
      LEFT JOIN certificate_profiles pr ON pr.id = c.profile_id
      -- Not while another issuance or renewal (a manual one, say) is already open.
      WHERE NOT EXISTS (SELECT 1 FROM jobs o WHERE o.certificate_id = c.id AND o.type IN ('issuance', 'renewal')
                        AND o.status IN ('pending', 'awaiting_approval', 'awaiting_csr', 'running'))
        AND c.status::text = ANY(${statusesLeadingTo('renewal_in_progress')}::text[])
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id, status::text AS status, certificate_id, scheduled_at`;
    if (created.length) {
      await this.db.$executeRaw`
        UPDATE certificates SET status = 'renewal_in_progress', updated_at = now()
        WHERE id = ANY(${created.map((j) => j.certificate_id)}::text[]) AND status::text = ANY(${statusesLeadingTo('renewal_in_progress')}::text[])`;
    }
    const awaitingJobs: { job_id: string; certificate_id: string }[] = [];
    for (const job of created) {
      if (job.status === 'awaiting_csr') continue; // the agent's CSR comes first
      if (job.status === 'awaiting_approval') {
        awaitingJobs.push({ job_id: job.id, certificate_id: job.certificate_id });
        continue;
      }
      const delay = Math.max(0, job.scheduled_at.getTime() - Date.now());
      try {
        await this.queues.add(QueueName.Issuance, job.id, { job_id: job.id, certificate_id: job.certificate_id }, { delay });
      } catch (err) {
        // The row is the record; inventory's reconciliation re-queues pending jobs.
        getLogger().warn({ job_id: job.id, err: (err as Error).message }, 'could not queue renewal job now; reconciliation will');
      }
    }
    if (created.length) getLogger().info({ created: created.length, awaiting_approval: awaitingJobs.length }, 'renewal jobs created');
    return {
      created: created.length,
      awaiting_approval: awaitingJobs.length,
      duplicates: req.jobs.length - created.length,
      awaiting_jobs: awaitingJobs,
    };
  }
}
