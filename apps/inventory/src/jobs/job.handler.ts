import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Rpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { JobService } from './job.service';

@Controller()
export class JobHandler {
  constructor(private readonly jobs: JobService) {}

  @RpcHandler(Rpc.inventory.jobStart)
  start(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobStart>) {
    return this.jobs.start(req.id);
  }

  @RpcHandler(Rpc.inventory.jobComplete)
  complete(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobComplete>) {
    return this.jobs.complete(req);
  }

  @RpcHandler(Rpc.inventory.jobFail)
  fail(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.jobFail>) {
    return this.jobs.fail(req);
  }
}
