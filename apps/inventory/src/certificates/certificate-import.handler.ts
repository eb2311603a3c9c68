import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InventoryCertificate, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { CertificateImportService } from './certificate-import.service';

@Controller()
export class CertificateImportHandler {
  constructor(private readonly imports: CertificateImportService) {}

  @RpcHandler(InventoryCertificate.import)
  import(@Payload() req: RpcRequestParsed<typeof InventoryCertificate.import>) {
    return this.imports.import(req);
  }
}
