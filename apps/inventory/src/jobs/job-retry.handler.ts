import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { JobRetryRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { JobRetryService } from './job-retry.service';

@Controller()
export class JobRetryHandler {
  constructor(private readonly retries: JobRetryService) {}

  @RpcHandler(JobRetryRpc.retry)
  retry(@Payload() req: RpcRequestParsed<typeof JobRetryRpc.retry>) {
    return this.retries.retry(req);
  }
}
