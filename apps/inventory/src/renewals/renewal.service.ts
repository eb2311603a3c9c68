import { Injectable } from '@nestjs/common';
import { AuditEvents, QueueName, type RpcRequestParsed, type RpcResponse, type SchedulerRpc } from '@certctl/contracts';
import { newId } from '@certctl/database';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { RpcClient, auditEvent } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { CertificateRepository } from '../certificates/certificate.repository';
import { RenewalRepository } from './renewal.repository';

type ScanReq = RpcRequestParsed<typeof SchedulerRpc.renewalScanBatch>;
type ScanRes = RpcResponse<typeof SchedulerRpc.renewalScanBatch>;
type CreateReq = RpcRequestParsed<typeof SchedulerRpc.renewalCreateJobs>;
type CreateRes = RpcResponse<typeof SchedulerRpc.renewalCreateJobs>;

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
    private readonly repo: RenewalRepository,
    private readonly certificates: CertificateRepository,
    private readonly queues: QueueService,
    private readonly rpc: RpcClient,
  ) {}

  async scanBatch(req: ScanReq): Promise<ScanRes> {
    const rows = await this.repo.scanPage(req.after_id ?? '', req.only, req.limit);
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
    const requests = req.jobs.map((job) => ({
      id: newId('job'),
      certificateId: job.certificate_id,
      versionId: job.version_id,
      idempotencyKey: renewalKey(job.certificate_id, job.version_id),
      scheduledAt: new Date(job.scheduled_at),
    }));
    const renewableFrom = statusesLeadingTo('renewal_in_progress');
    // Only for the version that is still current; repeated scans and replicas are harmless.
    const created = await this.repo.insertRenewalJobs(requests, renewableFrom);
    if (created.length) {
      await this.certificates.markRenewalInProgress(
        created.map((job) => job.certificate_id),
        renewableFrom,
      );
    }
    // The scheduler made these changes without a REST call: each job is one audit row.
    for (const job of created) {
      await this.rpc.emit(
        AuditEvents.recorded,
        auditEvent({
          service: 'inventory',
          actor: { principal: 'scheduler', kind: 'scheduler' },
          action: 'certificate.renewal.schedule',
          resource_type: 'certificate',
          resource_id: job.certificate_id,
          details: { job_id: job.id, job_status: job.status, scheduled_at: job.scheduled_at },
        }),
      );
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
