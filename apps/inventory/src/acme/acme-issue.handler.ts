import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AcmeRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { AcmeIssueService, type IssueRequest } from './acme-issue.service';

@Controller()
export class AcmeIssueHandler {
  constructor(private readonly service: AcmeIssueService) {}

  @RpcHandler(AcmeRpc.inventoryIssue)
  issue(@Payload() req: IssueRequest) {
    return this.service.issue(req);
  }

  @RpcHandler(AcmeRpc.inventoryIssued)
  issued(@Payload() req: RpcRequestParsed<typeof AcmeRpc.inventoryIssued>) {
    return this.service.issued(req.job_id);
  }
}
