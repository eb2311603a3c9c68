import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IssuancePrivateKey, PrivateKeyRpc } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { type ExportRequest, PrivateKeyExportService } from './private-key-export.service';
import { type KeyImportRequest, PrivateKeyImportService } from './private-key-import.service';

@Controller()
export class PrivateKeyHandler {
  constructor(
    private readonly keys: PrivateKeyExportService,
    private readonly imports: PrivateKeyImportService,
  ) {}

  @RpcHandler(PrivateKeyRpc.export)
  export(@Payload() req: ExportRequest) {
    return this.keys.export(req);
  }

  @RpcHandler(IssuancePrivateKey.import)
  import(@Payload() req: KeyImportRequest) {
    return this.imports.store(req);
  }
}
