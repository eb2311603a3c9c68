import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { SchedulerRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { MaintenanceService } from './maintenance.service';
import { RenewalService } from './renewal.service';

/** Inventory's answers to the scheduler's loops. */
@Controller()
export class RenewalHandler {
  constructor(
    private readonly renewals: RenewalService,
    private readonly maintenance: MaintenanceService,
  ) {}

  @RpcHandler(SchedulerRpc.renewalScanBatch)
  scanBatch(@Payload() req: RpcRequestParsed<typeof SchedulerRpc.renewalScanBatch>) {
    return this.renewals.scanBatch(req);
  }

  @RpcHandler(SchedulerRpc.renewalCreateJobs)
  createJobs(@Payload() req: RpcRequestParsed<typeof SchedulerRpc.renewalCreateJobs>) {
    return this.renewals.createJobs(req);
  }

  @RpcHandler(SchedulerRpc.agentMarkOffline)
  markOffline(@Payload() req: RpcRequestParsed<typeof SchedulerRpc.agentMarkOffline>) {
    return this.maintenance.markAgentsOffline(req);
  }

  @RpcHandler(SchedulerRpc.jobReapStale)
  reapStale(@Payload() req: RpcRequestParsed<typeof SchedulerRpc.jobReapStale>) {
    return this.maintenance.reapStaleJobs(req);
  }

  @RpcHandler(SchedulerRpc.certificateMarkExpiry)
  markExpiry(@Payload() req: RpcRequestParsed<typeof SchedulerRpc.certificateMarkExpiry>) {
    return this.maintenance.markExpiry(req);
  }
}
