import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RevocationRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { RevocationService } from './revocation.service';

@Controller()
export class RevocationHandler {
  constructor(private readonly revocations: RevocationService) {}

  @RpcHandler(RevocationRpc.revoke)
  revoke(@Payload() req: RpcRequestParsed<typeof RevocationRpc.revoke>) {
    return this.revocations.revoke(req.actor, req.certificate_id, req.reason);
  }
}
