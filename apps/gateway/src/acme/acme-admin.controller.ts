import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import {
  AcmeRpc,
  Permission,
  acmeAccountSchema,
  acmeEabCreateBodySchema,
  acmeEabCreatedSchema,
  acmeEabKeySchema,
  acmeListQuerySchema,
  acmeOrderSummarySchema,
  acmeProfileDefaultsBodySchema,
  acmeProfileSettingsSchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';

/** ACME administration: external account binding keys, profile defaults, and the accounts and orders clients made. */
@Controller('api/v1/acme')
export class AcmeAdminController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('eab-keys')
  @HttpCode(201)
  @Endpoint({
    permission: Permission.AcmeManage,
    tag: 'acme',
    summary: 'Create an external account binding key for an ACME profile (the HMAC key is shown once)',
    action: 'acme.eab_key.create',
    resource: 'acme_eab_key',
    body: acmeEabCreateBodySchema,
    response: acmeEabCreatedSchema,
    status: 201,
    errors: [404],
  })
  createEab(@Body() body: z.output<typeof acmeEabCreateBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(AcmeRpc.eabCreate, { actor: actorOf(req.principal!), body });
  }

  @Get('eab-keys')
  @Endpoint({
    permission: Permission.AcmeManage,
    tag: 'acme',
    summary: 'List external account binding keys (never their HMAC keys)',
    response: z.object({ data: z.array(acmeEabKeySchema) }),
  })
  listEab() {
    return this.rpc.request(AcmeRpc.eabList, {});
  }

  @Delete('eab-keys/:id')
  @Endpoint({
    permission: Permission.AcmeManage,
    tag: 'acme',
    summary: 'Delete an unused external account binding key (409 once an account is bound to it)',
    action: 'acme.eab_key.delete',
    resource: 'acme_eab_key',
    response: z.object({ id: z.string(), deleted: z.boolean() }),
    errors: [404, 409],
  })
  deleteEab(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(AcmeRpc.eabDelete, { actor: actorOf(req.principal!), id: idParam(id) });
  }

  @Get('accounts')
  @Endpoint({
    permission: Permission.AcmeRead,
    tag: 'acme',
    summary: 'ACME accounts, newest first',
    query: acmeListQuerySchema,
    response: z.object({ data: z.array(acmeAccountSchema) }),
  })
  accounts(@Query() query: z.output<typeof acmeListQuerySchema>) {
    return this.rpc.request(AcmeRpc.accountList, query);
  }

  @Get('orders')
  @Endpoint({
    permission: Permission.AcmeRead,
    tag: 'acme',
    summary: 'ACME orders, newest first, with the inventory certificate each one issued',
    query: acmeListQuerySchema,
    response: z.object({ data: z.array(acmeOrderSummarySchema) }),
  })
  orders(@Query() query: z.output<typeof acmeListQuerySchema>) {
    return this.rpc.request(AcmeRpc.orderList, query);
  }

  @Get('profiles/:id')
  @Endpoint({
    permission: Permission.AcmeRead,
    tag: 'acme',
    summary:
      'An ACME profile as clients meet it: its directory, the ports challenges are validated on, and the issuer, owner, team and renewal policy its certificates land in',
    response: acmeProfileSettingsSchema,
    errors: [404],
  })
  profile(@Param('id') id: string) {
    return this.rpc.request(AcmeRpc.profileGet, { id: idParam(id) });
  }

  @Put('profiles/:id/defaults')
  @Endpoint({
    permission: Permission.AcmeManage,
    tag: 'acme',
    summary:
      "Set the issuer, owner, team and renewal policy an ACME profile's certificates land in (null or absent: the server setting); each id must exist (422 naming the field)",
    action: 'acme.profile.set_defaults',
    resource: 'certificate_profile',
    body: acmeProfileDefaultsBodySchema,
    response: acmeProfileSettingsSchema,
    errors: [404],
  })
  setProfileDefaults(@Param('id') id: string, @Body() body: z.output<typeof acmeProfileDefaultsBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(AcmeRpc.profileSetDefaults, { actor: actorOf(req.principal!), id: idParam(id), body });
  }
}
