import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InventoryJob, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { JobCancelService } from './job-cancel.service';

@Controller()
export class JobCancelHandler {
  constructor(private readonly cancels: JobCancelService) {}

  @RpcHandler(InventoryJob.cancel)
  cancel(@Payload() req: RpcRequestParsed<typeof InventoryJob.cancel>) {
    return this.cancels.cancel(req);
  }
}
