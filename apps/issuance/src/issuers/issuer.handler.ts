import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Rpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { IssuerService } from './issuer.service';

@Controller()
export class IssuerHandler {
  constructor(private readonly issuers: IssuerService) {}

  @RpcHandler(Rpc.issuance.issuerGet)
  get(@Payload() req: RpcRequestParsed<typeof Rpc.issuance.issuerGet>) {
    return this.issuers.get(req.id);
  }

  @RpcHandler(Rpc.issuance.issuerList)
  list() {
    return this.issuers.list();
  }
}
