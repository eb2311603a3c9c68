import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RevocationRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { CertificateRevocationService, type RevokeRequest } from './certificate-revocation.service';

@Controller()
export class CertificateRevocationHandler {
  constructor(private readonly service: CertificateRevocationService) {}

  @RpcHandler(RevocationRpc.inventoryRevoke)
  revoke(@Payload() req: RevokeRequest) {
    return this.service.revoke(req);
  }

  @RpcHandler(RevocationRpc.inventoryBySerial)
  bySerial(@Payload() req: RpcRequestParsed<typeof RevocationRpc.inventoryBySerial>) {
    return this.service.bySerial(req);
  }
}
