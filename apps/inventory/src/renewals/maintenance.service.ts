import { Injectable } from '@nestjs/common';
import { LifecycleEvents, type RpcRequestParsed, type RpcResponse, type SchedulerRpc } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { RpcClient } from '@certctl/messaging';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { JobReaper } from '../jobs/job-reaper.service';
import { MaintenanceRepository } from './maintenance.repository';

/** Time-driven state changes the scheduler asks inventory for (it owns agents and jobs). */
@Injectable()
export class MaintenanceService {
  constructor(
    private readonly repo: MaintenanceRepository,
    private readonly reaper: JobReaper,
    private readonly rpc: RpcClient,
  ) {}

  /** Online agents without a heartbeat since the cut-off become offline. */
  async markAgentsOffline(
    req: RpcRequestParsed<typeof SchedulerRpc.agentMarkOffline>,
  ): Promise<RpcResponse<typeof SchedulerRpc.agentMarkOffline>> {
    const before = new Date(req.heartbeat_before);
    const agentIds = await this.repo.markAgentsOffline(before);
    if (agentIds.length) getLogger().info({ count: agentIds.length }, 'agents marked offline');
    return { marked: agentIds.length, agent_ids: agentIds };
  }

  /** Stale jobs, with the scheduler's cutoffs: see JobReaper. */
  async reapStaleJobs(req: RpcRequestParsed<typeof SchedulerRpc.jobReapStale>): Promise<RpcResponse<typeof SchedulerRpc.jobReapStale>> {
    const r = await this.reaper.reap({
      runningBefore: new Date(req.running_before),
      awaitingCsrBefore: new Date(req.awaiting_csr_before),
      awaitingApprovalBefore: new Date(req.awaiting_approval_before),
    });
    return { requeued: r.retried, failed: r.failed + r.csrTimedOut + r.approvalTimedOut };
  }

  /**
   * Active certificates within `expiring_within_days` of expiry become Expiring; those past
   * their expiry become Expired (with a certificate.expired event each). Only statuses the
   * transition table allows are moved.
   */
  async markExpiry(
    req: RpcRequestParsed<typeof SchedulerRpc.certificateMarkExpiry>,
  ): Promise<RpcResponse<typeof SchedulerRpc.certificateMarkExpiry>> {
    const horizon = new Date(Date.now() + req.expiring_within_days * 86400000);
    const expired = await this.repo.markExpired(statusesLeadingTo('expired'));
    const expiring = req.expiring_within_days === 0 ? 0 : await this.repo.markExpiring(horizon);
    for (const c of expired) {
      await this.rpc.emit(LifecycleEvents.certificateExpired, { certificate_id: c.id, expired_at: c.expires_at.toISOString() });
    }
    if (expired.length || expiring) getLogger().info({ expired: expired.length, expiring }, 'certificate expiry statuses updated');
    return { expiring, expired: expired.map((c) => c.id) };
  }
}
