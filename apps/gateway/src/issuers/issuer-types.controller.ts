import { Controller, Get } from '@nestjs/common';
import { IssuanceIssuer, Permission, issuerTypesResponseSchema } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { Endpoint } from '../http/endpoint';

@Controller('api/v1/issuer-types')
export class IssuerTypesController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Endpoint({
    permission: Permission.IssuersRead,
    tag: 'issuers',
    summary:
      "The connector issuer types and the JSON Schema of each one's `config` (POST /api/v1/issuers), as its connector validates it; secret fields are writeOnly",
    response: issuerTypesResponseSchema,
  })
  list() {
    return this.rpc.request(IssuanceIssuer.types, {});
  }
}
