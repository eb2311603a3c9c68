import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DigestRpc } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { type DigestRequest, DigestItemsService } from './digest.service';

@Controller()
export class DigestHandler {
  constructor(private readonly digest: DigestItemsService) {}

  @RpcHandler(DigestRpc.items)
  items(@Payload() req: DigestRequest) {
    return this.digest.items(req);
  }
}
