import { Injectable } from '@nestjs/common';
import type { RpcRequestParsed, RpcResponse, SchedulerRpc } from '@certctl/contracts';
import { PrismaService } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { JobReaper } from '../jobs/job-reaper';

/** Time-driven state changes the scheduler asks inventory for (it owns agents and jobs). */
@Injectable()
export class MaintenanceService {
  constructor(
    private readonly db: PrismaService,
    private readonly reaper: JobReaper,
  ) {}

  /** Online agents without a heartbeat since the cut-off become offline. */
  async markAgentsOffline(
    req: RpcRequestParsed<typeof SchedulerRpc.agentMarkOffline>,
  ): Promise<RpcResponse<typeof SchedulerRpc.agentMarkOffline>> {
    const before = new Date(req.heartbeat_before);
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE agents SET status = 'offline'
      WHERE status = 'online' AND (last_heartbeat_at IS NULL OR last_heartbeat_at < ${before})
      RETURNING id`;
    if (rows.length) getLogger().info({ count: rows.length }, 'agents marked offline');
    return { marked: rows.length, agent_ids: rows.map((r) => r.id) };
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
}
