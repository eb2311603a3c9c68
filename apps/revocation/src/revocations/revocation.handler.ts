import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RevocationRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { CrlService } from '../crl/crl.service';
import { RevocationService } from './revocation.service';

@Controller()
export class RevocationHandler {
  constructor(
    private readonly revocations: RevocationService,
    private readonly crls: CrlService,
  ) {}

  @RpcHandler(RevocationRpc.revoke)
  revoke(@Payload() req: RpcRequestParsed<typeof RevocationRpc.revoke>) {
    return this.revocations.revoke(req.actor, req.certificate_id, req.reason, req.serial_number, req.issuer_id);
  }

  /** The scheduler's crl-refresh loop: rebuild every CRL older than CERTCTL_CRL_REFRESH_SECONDS. */
  @RpcHandler(RevocationRpc.crlRefresh)
  async refresh() {
    return { rebuilt: await this.crls.refreshStale() };
  }
}
