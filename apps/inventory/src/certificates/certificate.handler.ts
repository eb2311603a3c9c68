import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Rpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { CertificateService } from './certificate.service';

@Controller()
export class CertificateHandler {
  constructor(private readonly certificates: CertificateService) {}

  @RpcHandler(Rpc.inventory.certificateCreate)
  create(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.certificateCreate>) {
    return this.certificates.create(req);
  }

  @RpcHandler(Rpc.inventory.certificateGet)
  get(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.certificateGet>) {
    return this.certificates.get(req.id);
  }

  @RpcHandler(Rpc.inventory.certificateList)
  list(@Payload() req: RpcRequestParsed<typeof Rpc.inventory.certificateList>) {
    return this.certificates.list(req);
  }
}
