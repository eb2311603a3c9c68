import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { PrivateKeyRpc } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { type ExportRequest, PrivateKeyExportService } from './private-key-export.service';

@Controller()
export class PrivateKeyHandler {
  constructor(private readonly keys: PrivateKeyExportService) {}

  @RpcHandler(PrivateKeyRpc.export)
  export(@Payload() req: ExportRequest) {
    return this.keys.export(req);
  }
}
