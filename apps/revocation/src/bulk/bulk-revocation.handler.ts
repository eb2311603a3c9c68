import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RevocationRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { BulkRevocationService } from './bulk-revocation.service';

@Controller()
export class BulkRevocationHandler {
  constructor(private readonly bulk: BulkRevocationService) {}

  @RpcHandler(RevocationRpc.bulkStart)
  start(@Payload() req: RpcRequestParsed<typeof RevocationRpc.bulkStart>) {
    return this.bulk.start(req);
  }

  @RpcHandler(RevocationRpc.bulkGet)
  get(@Payload() req: RpcRequestParsed<typeof RevocationRpc.bulkGet>) {
    return this.bulk.get(req.id);
  }
}
