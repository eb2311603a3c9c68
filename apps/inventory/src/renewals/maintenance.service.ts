import { Injectable } from '@nestjs/common';
import type { RpcRequestParsed, RpcResponse, SchedulerRpc } from '@certctl/contracts';
import { PrismaService } from '@certctl/database';
import { getLogger } from '@certctl/observability';

/** Time-driven state changes the scheduler asks inventory for (it owns agents and jobs). */
@Injectable()
export class MaintenanceService {
  constructor(private readonly db: PrismaService) {}

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

  /**
   * Jobs stuck in one state: running without progress → pending again (inventory's
   * reconciliation re-queues it) or failed when out of attempts; awaiting CSR or approval
   * past their timeout → failed. Transitions match job-state.ts.
   */
  async reapStaleJobs(req: RpcRequestParsed<typeof SchedulerRpc.jobReapStale>): Promise<RpcResponse<typeof SchedulerRpc.jobReapStale>> {
    const running = new Date(req.running_before);
    const csr = new Date(req.awaiting_csr_before);
    const approval = new Date(req.awaiting_approval_before);
    const requeued = await this.db.$executeRaw`
      UPDATE jobs SET status = 'pending', last_error = 'no progress while running; requeued', updated_at = now()
      WHERE status = 'running' AND updated_at < ${running} AND attempts < max_attempts`;
    const failedRunning = await this.db.$executeRaw`
      UPDATE jobs SET status = 'failed', last_error = 'no progress while running; out of attempts', completed_at = now(), updated_at = now()
      WHERE status = 'running' AND updated_at < ${running} AND attempts >= max_attempts`;
    const failedWaiting = await this.db.$executeRaw`
      UPDATE jobs SET status = 'failed', completed_at = now(), updated_at = now(),
        last_error = CASE WHEN status = 'awaiting_csr' THEN 'timed out awaiting CSR' ELSE 'timed out awaiting approval' END
      WHERE (status = 'awaiting_csr' AND updated_at < ${csr}) OR (status = 'awaiting_approval' AND updated_at < ${approval})`;
    const failed = failedRunning + failedWaiting;
    if (requeued || failed) getLogger().info({ requeued, failed }, 'stale jobs reaped');
    return { requeued, failed };
  }
}
