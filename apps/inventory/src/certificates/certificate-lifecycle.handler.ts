import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { LifecycleRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { CertificateLifecycleService } from './certificate-lifecycle.service';

@Controller()
export class CertificateLifecycleHandler {
  constructor(private readonly lifecycle: CertificateLifecycleService) {}

  @RpcHandler(LifecycleRpc.certificateUpdate)
  update(@Payload() req: RpcRequestParsed<typeof LifecycleRpc.certificateUpdate>) {
    return this.lifecycle.update(req);
  }

  @RpcHandler(LifecycleRpc.certificateVersions)
  versions(@Payload() req: RpcRequestParsed<typeof LifecycleRpc.certificateVersions>) {
    return this.lifecycle.versions(req.id);
  }

  @RpcHandler(LifecycleRpc.certificateRenew)
  renew(@Payload() req: RpcRequestParsed<typeof LifecycleRpc.certificateRenew>) {
    return this.lifecycle.renew(req);
  }

  @RpcHandler(LifecycleRpc.certificateBulkRenew)
  bulkRenew(@Payload() req: RpcRequestParsed<typeof LifecycleRpc.certificateBulkRenew>) {
    return this.lifecycle.bulkRenew(req);
  }

  @RpcHandler(LifecycleRpc.certificateArchive)
  archive(@Payload() req: RpcRequestParsed<typeof LifecycleRpc.certificateArchive>) {
    return this.lifecycle.archive(req);
  }

  @RpcHandler(LifecycleRpc.statsSummary)
  stats() {
    return this.lifecycle.stats();
  }
}
