import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IssuerCaRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { IssuerImportService } from './issuer-import.service';

@Controller()
export class IssuerImportHandler {
  constructor(private readonly imports: IssuerImportService) {}

  @RpcHandler(IssuerCaRpc.import)
  import(@Payload() req: RpcRequestParsed<typeof IssuerCaRpc.import>) {
    return this.imports.import(req);
  }
}
