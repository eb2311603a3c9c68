import { Injectable } from '@nestjs/common';
import type { DigestRpc, RpcRequestParsed, RpcResponse } from '@certctl/contracts';
import { type DigestJobRow, DigestRepository } from './digest.repository';

export type DigestRequest = RpcRequestParsed<typeof DigestRpc.items>;
type DigestResponse = RpcResponse<typeof DigestRpc.items>;

/** The lists of the scheduler's daily digest: what needs attention, from inventory's own tables. */
@Injectable()
export class DigestItemsService {
  constructor(private readonly repo: DigestRepository) {}

  async items(req: DigestRequest): Promise<DigestResponse> {
    const now = new Date();
    const since = new Date(req.failed_since);
    const horizon = new Date(now.getTime() + req.expiring_within_days * 86400000);
    const [expiring, failedCount, failed, awaiting, agents] = await Promise.all([
      this.repo.expiringCertificates(now, horizon, req.limit),
      this.repo.countFailedJobs(since),
      this.repo.failedJobs(since, req.limit),
      this.repo.awaitingApproval(req.limit),
      this.repo.offlineAgents(req.limit),
    ]);
    return {
      expiring: expiring.map((cert) => ({ id: cert.id, name: cert.name, status: cert.status, expires_at: cert.expiresAt!.toISOString() })),
      failed_jobs: { count: failedCount, items: failed.map((job) => jobItem(job, job.completedAt ?? job.updatedAt)) },
      awaiting_approval: awaiting.map((job) => jobItem(job, job.createdAt)),
      agents_offline: agents.map((agent) => ({
        id: agent.id,
        name: agent.name,
        last_heartbeat_at: agent.lastHeartbeatAt?.toISOString() ?? null,
      })),
    };
  }
}

function jobItem(job: DigestJobRow, at: Date): DigestResponse['awaiting_approval'][number] {
  return {
    id: job.id,
    type: job.type,
    certificate_id: job.certificateId,
    certificate_name: job.certificate.name,
    at: at.toISOString(),
    last_error: job.lastError,
    requested_by: job.requestedBy,
  };
}
