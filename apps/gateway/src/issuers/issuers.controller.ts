import { Controller, Get, Param } from '@nestjs/common';
import { Rpc, idSchema } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { parseInput } from '../validation';

@Controller('api/v1/issuers')
export class IssuersController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  list() {
    return this.rpc.request(Rpc.issuance.issuerList, {});
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.rpc.request(Rpc.issuance.issuerGet, { id: parseInput(idSchema, id, 'query') });
  }
}
