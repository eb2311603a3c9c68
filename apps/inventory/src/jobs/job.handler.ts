import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InventoryJob, Rpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { JobApprovalService } from './job-approval.service';
import { JobService } from './job.service';

@Controller()
export class JobHandler {
  constructor(
    private readonly jobs: JobService,
    private readonly approvals: JobApprovalService,
  ) {}

  @RpcHandler(Rpc.inventory.jobGet)
  get(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobGet>) {
    return this.approvals.get(req.id);
  }

  @RpcHandler(Rpc.inventory.jobList)
  list(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobList>) {
    return this.approvals.list(req);
  }

  @RpcHandler(Rpc.inventory.jobApprove)
  approve(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobApprove>) {
    return this.approvals.approve(req);
  }

  @RpcHandler(Rpc.inventory.jobReject)
  reject(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobReject>) {
    return this.approvals.reject(req);
  }

  @RpcHandler(Rpc.inventory.jobStart)
  start(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobStart>) {
    return this.jobs.start(req.id);
  }

  @RpcHandler(Rpc.inventory.jobComplete)
  complete(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobComplete>) {
    return this.jobs.complete(req);
  }

  @RpcHandler(InventoryJob.awaitCa)
  awaitCa(@Payload() req: RpcRequestParsed<typeof InventoryJob.awaitCa>) {
    return this.jobs.awaitCa(req);
  }

  @RpcHandler(Rpc.inventory.jobFail)
  fail(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobFail>) {
    return this.jobs.fail(req);
  }
}
