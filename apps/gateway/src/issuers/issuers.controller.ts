import { Controller, Get, Param } from '@nestjs/common';
import { Permission, Rpc, issuerSchema, listIssuersResponseSchema } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';

@Controller('api/v1/issuers')
export class IssuersController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Endpoint({ permission: Permission.IssuersRead, tag: 'issuers', summary: 'List issuers', response: listIssuersResponseSchema })
  list() {
    return this.rpc.request(Rpc.issuance.issuerList, {});
  }

  @Get(':id')
  @Endpoint({
    permission: Permission.IssuersRead,
    tag: 'issuers',
    summary: 'Get an issuer with its CA certificate and chain',
    response: issuerSchema,
    errors: [404],
  })
  get(@Param('id') id: string) {
    return this.rpc.request(Rpc.issuance.issuerGet, { id: idParam(id) });
  }
}
